//! `cisrun remediate` and `cisrun rollback`: plan, apply with a journal, undo.

use anyhow::{bail, Result};
use cisrun_core::Catalogue;

use crate::cli::{RemediateArgs, RollbackArgs};

pub async fn run(_catalogue: &Catalogue, _args: RemediateArgs) -> Result<u8> {
    bail!("cisrun remediate is not implemented yet")
}

pub async fn rollback(_catalogue: &Catalogue, _args: RollbackArgs) -> Result<u8> {
    bail!("cisrun rollback is not implemented yet")
}
