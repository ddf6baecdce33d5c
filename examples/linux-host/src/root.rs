//! Reading files of a target's root directory as that system sees them: every path is inside
//! the root, and symbolic links are followed inside it too (an absolute link in a mounted
//! image points into the image, never at this machine's files), as `chroot` would.

use std::fs::Metadata;
use std::io;
use std::path::{Component, Path, PathBuf};

use cisrun_core::ErrorDetail;

/// Linux's own limit on symbolic links followed while resolving one path.
const MAX_LINKS: u32 = 40;

/// A file of the root could not be read: never a pass or a fail.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path} is a {found}, not a file")]
    NotAFile { path: String, found: &'static str },
    #[error("{path} is not a directory")]
    NotADirectory { path: String },
    #[error("{path} leads through the symbolic link {link} to {target}, which does not exist")]
    DanglingLink {
        path: String,
        link: String,
        target: String,
    },
    #[error("{path}: more than {MAX_LINKS} symbolic links")]
    TooManyLinks { path: String },
}

impl FileError {
    /// The error as a control's result reports it.
    pub fn to_detail(&self) -> ErrorDetail {
        let code = match self {
            FileError::Unreadable { source, .. }
                if source.kind() == io::ErrorKind::PermissionDenied =>
            {
                "PermissionDenied"
            }
            FileError::Unreadable { .. } => "Unreadable",
            FileError::NotAFile { .. } => "NotAFile",
            FileError::NotADirectory { .. } => "NotADirectory",
            FileError::DanglingLink { .. } => "DanglingLink",
            FileError::TooManyLinks { .. } => "TooManyLinks",
        };
        ErrorDetail {
            code: code.to_string(),
            message: self.to_string(),
            missing_permission: None,
        }
    }
}

impl From<FileError> for ErrorDetail {
    fn from(error: FileError) -> Self {
        error.to_detail()
    }
}

/// A root directory: `/` for this machine, or the root of a mounted image or container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Absolute and normalized (see `RootPath`).
    path: PathBuf,
}

/// A file found in a root: where it is on this machine, and what it is.
#[derive(Debug)]
pub struct Found {
    pub host_path: PathBuf,
    pub metadata: Metadata,
}

impl Root {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The root directory on this machine.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `/` is this machine: its `/proc` is the running kernel's.
    pub fn is_live(&self) -> bool {
        self.path == Path::new("/")
    }

    /// How reports name a file of this root: `/etc/shadow` on this machine,
    /// `/mnt/image:/etc/shadow` in another root.
    pub fn display(&self, inner: &str) -> String {
        if self.is_live() {
            inner.to_string()
        } else {
            format!("{}:{inner}", self.path.display())
        }
    }

    /// Where `inner` (an absolute path as the target sees it) is on this machine, with every
    /// symbolic link followed inside the root; `None` when it does not exist.
    pub fn resolve(&self, inner: &str) -> Result<Option<PathBuf>, FileError> {
        let mut links = 0;
        let resolved = self.resolve_from(PathBuf::new(), Path::new(inner), &mut links, inner)?;
        Ok(resolved.map(|relative| self.path.join(relative)))
    }

    /// Resolves `rest` from `base` (a path relative to the root, already free of links).
    fn resolve_from(
        &self,
        base: PathBuf,
        rest: &Path,
        links: &mut u32,
        original: &str,
    ) -> Result<Option<PathBuf>, FileError> {
        let mut current = base;
        for component in rest.components() {
            match component {
                Component::RootDir => current = PathBuf::new(),
                Component::CurDir | Component::Prefix(_) => {}
                // `..` at the root stays at the root, as in a chroot.
                Component::ParentDir => {
                    current.pop();
                }
                Component::Normal(name) => {
                    let next = current.join(name);
                    let on_host = self.path.join(&next);
                    let metadata = match std::fs::symlink_metadata(&on_host) {
                        Ok(metadata) => metadata,
                        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                        Err(source) => {
                            return Err(FileError::Unreadable {
                                path: self.display(original),
                                source,
                            })
                        }
                    };
                    if !metadata.file_type().is_symlink() {
                        current = next;
                        continue;
                    }
                    *links += 1;
                    if *links > MAX_LINKS {
                        return Err(FileError::TooManyLinks {
                            path: self.display(original),
                        });
                    }
                    let target =
                        std::fs::read_link(&on_host).map_err(|source| FileError::Unreadable {
                            path: self.display(original),
                            source,
                        })?;
                    let from = if target.is_absolute() {
                        PathBuf::new()
                    } else {
                        current.clone()
                    };
                    match self.resolve_from(from, &target, links, original)? {
                        Some(resolved) => current = resolved,
                        None => {
                            return Err(FileError::DanglingLink {
                                path: self.display(original),
                                link: self.display(&format!("/{}", next.display())),
                                target: target.display().to_string(),
                            })
                        }
                    }
                }
            }
        }
        Ok(Some(current))
    }

    /// Where `inner` points when it is itself a symbolic link, as written (`/dev/null` masks a
    /// configuration file); `None` when it is not a link or does not exist.
    pub fn link_target(&self, inner: &str) -> Result<Option<PathBuf>, FileError> {
        let path = Path::new(inner);
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(None);
        };
        let Some(directory) = self.resolve(&parent.to_string_lossy())? else {
            return Ok(None);
        };
        Ok(std::fs::read_link(directory.join(name)).ok())
    }

    /// The file at `inner` and its metadata (of the file a link leads to); `None` when missing.
    pub fn stat(&self, inner: &str) -> Result<Option<Found>, FileError> {
        let Some(host_path) = self.resolve(inner)? else {
            return Ok(None);
        };
        let metadata = std::fs::metadata(&host_path).map_err(|source| FileError::Unreadable {
            path: self.display(inner),
            source,
        })?;
        Ok(Some(Found {
            host_path,
            metadata,
        }))
    }

    /// The text of the file at `inner`; `None` when it does not exist. Bytes that are not
    /// UTF-8 (a Latin-1 comment) are replaced: every keyword these controls read is ASCII.
    pub fn read(&self, inner: &str) -> Result<Option<String>, FileError> {
        let Some(found) = self.stat(inner)? else {
            return Ok(None);
        };
        if !found.metadata.is_file() {
            return Err(FileError::NotAFile {
                path: self.display(inner),
                found: kind_of(&found.metadata),
            });
        }
        let bytes = std::fs::read(&found.host_path).map_err(|source| FileError::Unreadable {
            path: self.display(inner),
            source,
        })?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The names in the directory `inner`, sorted; empty when it does not exist.
    pub fn list(&self, inner: &str) -> Result<Vec<String>, FileError> {
        let Some(found) = self.stat(inner)? else {
            return Ok(Vec::new());
        };
        if !found.metadata.is_dir() {
            return Err(FileError::NotADirectory {
                path: self.display(inner),
            });
        }
        let unreadable = |source| FileError::Unreadable {
            path: self.display(inner),
            source,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&found.host_path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

/// What a path found where a file was expected is, for messages.
fn kind_of(metadata: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "directory"
    } else if kind.is_fifo() {
        "named pipe"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

/// Joins a directory and a name as the target sees them.
pub fn join(directory: &str, name: &str) -> String {
    format!("{}/{name}", directory.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_inside_the_root_never_out_of_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = Root::new(dir.path());
        std::fs::create_dir_all(dir.path().join("etc/ssh")).expect("dirs");
        std::fs::write(dir.path().join("etc/ssh/real"), "inside").expect("write");
        // An absolute link means the image's /etc/ssh/real, not this machine's.
        symlink("/etc/ssh/real", dir.path().join("etc/absolute")).expect("link");
        symlink("ssh/real", dir.path().join("etc/relative")).expect("link");
        symlink("../../../../etc/ssh/real", dir.path().join("etc/climbing")).expect("link");
        for name in ["/etc/absolute", "/etc/relative", "/etc/climbing"] {
            assert_eq!(
                root.read(name).expect("readable").as_deref(),
                Some("inside")
            );
        }
        assert_eq!(
            root.read("/etc/missing").expect("missing is not an error"),
            None
        );
        symlink("/nowhere", dir.path().join("etc/dangling")).expect("link");
        let error = root.read("/etc/dangling").expect_err("dangling");
        assert!(matches!(error, FileError::DanglingLink { .. }), "{error}");
        assert!(error.to_string().contains(":/etc/dangling"), "{error}");
        symlink("loop", dir.path().join("etc/loop")).expect("link");
        assert!(matches!(
            root.read("/etc/loop"),
            Err(FileError::TooManyLinks { .. })
        ));
        let directory = root.read("/etc/ssh").expect_err("a directory");
        assert!(
            directory.to_string().contains("is a directory"),
            "{directory}"
        );
        assert_eq!(root.list("/etc/ssh").expect("list"), ["real"]);
        assert!(root.list("/etc/none").expect("missing").is_empty());
    }
}
