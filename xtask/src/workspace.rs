//! Where things are: the repository root, the build output, and the PATH our tools run with.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    pub fn locate() -> Self {
        // xtask/ sits directly under the repository root.
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf();
        Workspace { root }
    }

    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    pub fn node_bin(&self) -> PathBuf {
        self.root.join("node_modules").join(".bin")
    }

    /// Where `cargo install` puts binaries.
    pub fn cargo_bin(&self) -> PathBuf {
        std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .unwrap_or_else(|| PathBuf::from(".cargo"))
            .join("bin")
    }

    /// PATH for every tool we start: the pinned wasm-opt from node_modules comes first (Trunk
    /// must not pick up an older system binaryen whose output breaks in the browser), then
    /// cargo's bin directory (a fresh `cargo install` may not be on the caller's PATH yet).
    pub fn path_env(&self) -> OsString {
        let mut dirs = vec![self.node_bin(), self.cargo_bin()];
        if let Some(existing) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&existing));
        }
        std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
    }

    /// A `Command` for `program`, started in the repository root with our PATH.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let program = program.as_ref();
        // Resolve through our PATH ourselves: Command looks programs up in the *parent's* PATH.
        let resolved = self
            .which(program)
            .unwrap_or_else(|| PathBuf::from(program));
        let mut cmd = Command::new(resolved);
        cmd.current_dir(&self.root).env("PATH", self.path_env());
        cmd
    }

    /// `cargo` itself: the one that started us, so toolchain overrides keep applying.
    pub fn cargo(&self) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&self.root).env("PATH", self.path_env());
        cmd
    }

    /// Finds `program` on our PATH.
    pub fn which(&self, program: impl AsRef<std::ffi::OsStr>) -> Option<PathBuf> {
        let program = program.as_ref();
        if Path::new(program).components().count() > 1 {
            return Some(PathBuf::from(program));
        }
        std::env::split_paths(&self.path_env())
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }

    /// The version of a crate as locked in Cargo.lock (one source of truth for pins such as
    /// wasm-bindgen, whose CLI must match the library exactly).
    pub fn locked_version(&self, krate: &str) -> Result<String> {
        let path = self.root.join("Cargo.lock");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        locked_version_in(&text, krate).ok_or_else(|| Error::Parse {
            what: "package version",
            path,
            reason: format!("no [[package]] named {krate:?}"),
        })
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn locked_version_in(lock: &str, krate: &str) -> Option<String> {
    let wanted = format!("name = \"{krate}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            return next
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// Makes `dir` an empty directory: whatever a previous run left there is removed first.
pub fn fresh_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(dir, e)),
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::{fresh_dir, locked_version_in};

    #[test]
    fn reads_a_locked_version_and_not_a_prefix_match() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.80\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version_in(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version_in(lock, "trunk"), None);
    }

    #[test]
    fn fresh_dir_empties_what_is_there_and_creates_what_is_not() {
        let dir = std::env::temp_dir().join(format!("xtask-fresh-{}", std::process::id()));
        fresh_dir(&dir).unwrap();
        std::fs::write(dir.join("left-over"), b"x").unwrap();
        std::fs::create_dir(dir.join("nested")).unwrap();
        fresh_dir(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }
}
