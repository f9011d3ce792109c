use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let df = match restage::syntax::parse_bytes(&bytes) {
        Ok(df) => df,
        Err(e) => {
            eprint!("{}", restage::diagnostic::Diagnostic::from_parse_error(&path, &bytes, &e).render());
            return ExitCode::from(2);
        }
    };
    let dir = std::path::Path::new(&path).parent().unwrap();
    let ctx = restage::context::BuildContext::read(dir);
    match restage::transform::restage(&df, &ctx, &Default::default()) {
        Ok(o) => println!("{o:#?}"),
        Err(e) => eprintln!("{e}"),
    }
    ExitCode::SUCCESS
}
