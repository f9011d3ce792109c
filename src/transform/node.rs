//! Node: placeholder until the Node transformer lands.

use super::{Decline, Input, Plan, Transformer};
use crate::ecosystem::Ecosystem;

pub struct Node;

impl Transformer for Node {
    fn ecosystem(&self) -> Ecosystem {
        Ecosystem::Node
    }

    fn plan(&self, _input: &Input) -> Result<Plan, Decline> {
        Err(Decline::new(Some(Ecosystem::Node), "Node rewrites are not implemented yet"))
    }
}
