//! An image reference as FROM names it: `[registry/]path[:tag][@digest]`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference exactly as written (it may hold `$VARIABLES`).
    pub raw: String,
    pub registry: Option<String>,
    /// The repository path without the registry, e.g. `library/python` or `python`.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(raw: &str) -> ImageRef {
        let (rest, digest) = match raw.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_owned())),
            None => (raw, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].find(':') {
            Some(colon) => (&rest[..slash + colon], Some(&rest[slash + colon + 1..])),
            None => (rest, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((host, path))
                if host.contains('.') || host.contains(':') || host == "localhost" =>
            {
                (Some(host.to_owned()), path)
            }
            _ => (None, name),
        };
        ImageRef {
            raw: raw.to_owned(),
            registry,
            path: path.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        }
    }

    /// The last path component: `python` for `docker.io/library/python:3.12`.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// True for Docker Hub's official images (`python`, `library/python`,
    /// `docker.io/library/python`).
    pub fn is_official(&self) -> bool {
        let hub = matches!(
            self.registry.as_deref(),
            None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io")
        );
        hub && (self.path == self.name() || self.path == format!("library/{}", self.name()))
    }

    /// The reference with another tag and no digest: `python:3.12` → `python:3.12-slim`.
    pub fn with_tag(&self, tag: &str) -> String {
        let mut out = String::new();
        if let Some(registry) = &self.registry {
            out.push_str(registry);
            out.push('/');
        }
        out.push_str(&self.path);
        out.push(':');
        out.push_str(tag);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_path_tag_and_digest() {
        let image = ImageRef::parse("docker.io/library/python:3.12-slim@sha256:abc");
        assert_eq!(image.registry.as_deref(), Some("docker.io"));
        assert_eq!(image.path, "library/python");
        assert_eq!(image.tag.as_deref(), Some("3.12-slim"));
        assert_eq!(image.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(image.name(), "python");
        assert!(image.is_official());
    }

    #[test]
    fn a_port_is_not_a_tag() {
        let image = ImageRef::parse("localhost:5000/team/golang");
        assert_eq!(image.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(image.path, "team/golang");
        assert_eq!(image.tag, None);
        assert!(!image.is_official());
    }

    #[test]
    fn bare_names_and_retagging() {
        let image = ImageRef::parse("node");
        assert_eq!((image.name(), image.tag.as_deref()), ("node", None));
        assert_eq!(
            ImageRef::parse("python:3.12@sha256:1").with_tag("3.12-slim"),
            "python:3.12-slim"
        );
    }
}
