//! Profiles shipped inside the binary: every plugin's `register_profile!`.

use std::path::Path;

use anyhow::{bail, Context, Result};
use cisrun_core::registry::ProfileRegistration;
use cisrun_core::{Catalogue, Profile, ProfileSource};

fn shipped(name: &str) -> Option<&'static ProfileRegistration> {
    cisrun_core::registry::profiles()
        .into_iter()
        .find(|p| p.name == name)
}

fn looks_like_path(reference: &str) -> bool {
    Path::new(reference).exists()
        || reference.contains('/')
        || reference.ends_with(".yaml")
        || reference.ends_with(".yml")
}

/// The text of a shipped profile named `reference`.
fn source(reference: &str) -> Result<ProfileSource> {
    if let Some(profile) = shipped(reference) {
        return Ok(ProfileSource {
            file: format!("<shipped>/{}.yaml", profile.name),
            text: profile.yaml.to_string(),
        });
    }
    let names: Vec<&str> = cisrun_core::registry::profiles()
        .iter()
        .map(|p| p.name)
        .collect();
    bail!(
        "`{reference}` is neither a profile file nor a shipped profile; shipped profiles: {}",
        names.join(", ")
    )
}

/// Loads `--profile`: a path to a YAML file, or the name of a shipped profile. The text is
/// read once; the profile keeps it (`Profile::source`) for the journal.
pub fn load(reference: &str, catalogue: &Catalogue) -> Result<Profile> {
    if looks_like_path(reference) {
        // Profile::load names the file (and the line and column) in every error.
        return Ok(Profile::load(Path::new(reference), catalogue)?);
    }
    let source = source(reference)?;
    let mut profile = Profile::parse_source(&source, catalogue)
        .with_context(|| format!("shipped profile {reference} is invalid"))?;
    profile.name.get_or_insert_with(|| reference.to_string());
    Ok(profile)
}
