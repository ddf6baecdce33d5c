//! `cisrun merge`: join partial reports from partitioned CI jobs.

use anyhow::{bail, Result};

use crate::cli::MergeArgs;

pub fn run(_args: MergeArgs) -> Result<u8> {
    bail!("cisrun merge is not implemented yet")
}
