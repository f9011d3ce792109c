module example.com/go-run

go 1.19
