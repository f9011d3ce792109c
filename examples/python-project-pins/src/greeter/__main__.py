from greeter import main

main()
