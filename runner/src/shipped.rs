//! Profiles shipped with cisrun, embedded at build time from `profiles/`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use cisrun_core::{Catalogue, Profile};

/// (file stem, YAML text) of every shipped profile, sorted by stem.
pub const SHIPPED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shipped_profiles.rs"));

/// Loads `--profile`: a path to a YAML file, or the stem of a shipped profile.
pub fn load(reference: &str, catalogue: &Catalogue) -> Result<Profile> {
    let path = Path::new(reference);
    let looks_like_path =
        reference.contains('/') || reference.ends_with(".yaml") || reference.ends_with(".yml");
    if path.exists() || looks_like_path {
        // Profile::load names the file (and the line and column) in every error.
        return Ok(Profile::load(path, catalogue)?);
    }
    if let Some((stem, text)) = SHIPPED.iter().find(|(stem, _)| *stem == reference) {
        let mut profile = Profile::parse(&format!("<shipped>/{stem}.yaml"), text, catalogue)
            .with_context(|| format!("shipped profile {stem} is invalid"))?;
        profile.name.get_or_insert_with(|| stem.to_string());
        return Ok(profile);
    }
    let names: Vec<&str> = SHIPPED.iter().map(|(s, _)| *s).collect();
    bail!(
        "`{reference}` is neither a profile file nor a shipped profile; shipped profiles: {}",
        names.join(", ")
    )
}
