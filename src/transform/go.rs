//! Go: placeholder until the Go transformer lands.

use super::{Decline, Input, Plan, Transformer};
use crate::ecosystem::Ecosystem;

pub struct Go;

impl Transformer for Go {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Go
    }

    fn plan(&self, _input: &Input) -> Result<Plan, Decline> {
        Err(Decline::new(Some(Ecosystem::Go), "Go rewrites are not implemented yet"))
    }
}
