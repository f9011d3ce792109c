//! The final image of a Go rewrite: distroless static by default, distroless base
//! (glibc) when the binary needs cgo, `scratch`, `alpine` or any image on request; and
//! what each of them has (a shell, CA certificates, time zones, users).

use crate::ecosystem::{Base, Debian, Variant};
use crate::transform::{Decision, GoFinal};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Distroless,
    Scratch,
    Alpine,
    /// An image the user named; restage knows nothing about it.
    Other,
}

#[derive(Clone, Debug)]
pub struct FinalImage {
    pub image: String,
    pub kind: Kind,
}

/// Directories on PATH in distroless, alpine, and for scratch (Docker's default).
pub const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl FinalImage {
    /// Picks the final image; `cgo` is the reason the binary links the C library, if it
    /// does. An error is the reason no final image fits.
    pub fn choose(
        base: &Base,
        requested: &GoFinal,
        cgo: Option<&str>,
    ) -> Result<(FinalImage, Decision), String> {
        let musl = match base.variant {
            Variant::Alpine => Some(true),
            Variant::Full | Variant::Slim => Some(false),
            Variant::Other | Variant::Unknown => None,
        };
        let debian = debian_release(base);
        let alpine = alpine_image(base);
        let pick = |image: String, kind| FinalImage { image, kind };
        let chosen = match (requested, cgo, musl) {
            (GoFinal::Distroless, None, _) => (
                pick(format!("gcr.io/distroless/static-debian{debian}"), Kind::Distroless),
                "distroless static: the binary is static, and the image holds CA certificates, time zones and a nonroot user, but no shell or package manager".to_owned(),
            ),
            (GoFinal::Distroless, Some(why), Some(false)) => (
                pick(format!("gcr.io/distroless/base-debian{debian}"), Kind::Distroless),
                format!("distroless base: {why}, so the binary links glibc, which distroless base has (Debian {debian}, as the builder)"),
            ),
            (GoFinal::Distroless | GoFinal::Alpine, Some(why), Some(true)) => (
                pick(alpine.clone(), Kind::Alpine),
                format!("{why}, and the builder links musl, so the final image is Alpine (musl) too"),
            ),
            (GoFinal::Scratch, None, _) => (
                pick("scratch".into(), Kind::Scratch),
                "requested: an empty image that holds the static binary and the CA certificates".into(),
            ),
            (GoFinal::Scratch, Some(why), _) => {
                return Err(format!("{why}: a cgo binary needs a C library at run time, and scratch has none"));
            }
            (GoFinal::Alpine, None, _) => (
                pick(alpine.clone(), Kind::Alpine),
                "requested: Alpine, with a shell and `apk`".into(),
            ),
            (GoFinal::Alpine, Some(why), Some(false)) => {
                return Err(format!(
                    "{why}, so the binary links the builder's glibc and would not run on Alpine (musl)"
                ));
            }
            (GoFinal::Distroless | GoFinal::Alpine, Some(why), None) => {
                return Err(format!(
                    "{why}, and the base image `{}` does not say which C library it links",
                    base.image.raw
                ));
            }
            (GoFinal::Image(image), _, _) => (
                pick(image.clone(), Kind::Other),
                "requested; restage assumes it can run the binary and has what the app needs".into(),
            ),
        };
        let (image, why) = chosen;
        let decision = Decision::new(format!("final stage on `{}`", image.image), why);
        Ok((image, decision))
    }

    /// Whether the final stage can run a RUN: an image restage does not know is assumed
    /// to, Alpine when `on_alpine` says the RUN's commands are there too, distroless and
    /// scratch never (no shell).
    pub fn can_run(&self, on_alpine: bool) -> bool {
        match self.kind {
            Kind::Other => true,
            Kind::Alpine => on_alpine,
            Kind::Distroless | Kind::Scratch => false,
        }
    }

    pub fn has_shell(&self) -> bool {
        matches!(self.kind, Kind::Alpine | Kind::Other)
    }

    /// A short name for messages.
    pub fn describe(&self) -> &str {
        match self.kind {
            Kind::Distroless => "distroless",
            Kind::Scratch => "scratch",
            Kind::Alpine => "alpine",
            Kind::Other => &self.image,
        }
    }

    /// Whether `USER value` works without a RUN that creates the user.
    pub fn knows_user(&self, value: &str) -> bool {
        value.split(':').all(|part| {
            part.chars().all(|c| c.is_ascii_digit())
                || match self.kind {
                    Kind::Distroless => matches!(part, "root" | "nonroot" | "nobody"),
                    Kind::Alpine => matches!(part, "root" | "nobody"),
                    Kind::Other => true,
                    Kind::Scratch => false,
                }
        })
    }
}

/// The Debian release of the builder, as distroless numbers it: the codename in the
/// tag, else the default the golang images had for that Go version.
fn debian_release(base: &Base) -> u32 {
    match base.debian() {
        // Distroless has no Debian 10 images; 11 is the oldest.
        Some(Debian::Buster | Debian::Bullseye) => return 11,
        Some(Debian::Bookworm) => return 12,
        Some(Debian::Trixie) => return 13,
        None => {}
    }
    let minor = base
        .version()
        .and_then(|version| version.strip_prefix("1."))
        .and_then(|rest| rest.split('.').next())
        .and_then(|minor| minor.parse::<u32>().ok());
    match minor {
        Some(minor) if minor >= 25 => 13,
        Some(minor) if minor < 19 => 11,
        _ => 12,
    }
}

/// `alpine:3.19` for a `golang:1.22-alpine3.19` builder, else the current `alpine:3`.
fn alpine_image(base: &Base) -> String {
    let tag = base.image.tag.as_deref().unwrap_or("");
    tag.split('-')
        .find_map(|part| part.strip_prefix("alpine"))
        .filter(|version| !version.is_empty())
        .map_or_else(
            || "alpine:3".to_owned(),
            |version| format!("alpine:{version}"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ImageRef;

    fn base(raw: &str) -> Base {
        Base::of(&ImageRef::parse(raw))
    }

    #[test]
    fn matches_the_builder_release_and_libc() {
        let (image, _) =
            FinalImage::choose(&base("golang:1.22"), &GoFinal::Distroless, None).unwrap();
        assert_eq!(image.image, "gcr.io/distroless/static-debian12");
        let (image, _) = FinalImage::choose(
            &base("golang:1.21-bullseye"),
            &GoFinal::Distroless,
            Some("cgo"),
        )
        .unwrap();
        assert_eq!(image.image, "gcr.io/distroless/base-debian11");
        let (image, _) = FinalImage::choose(
            &base("golang:1.22-alpine3.19"),
            &GoFinal::Distroless,
            Some("cgo"),
        )
        .unwrap();
        assert_eq!(
            (image.image.as_str(), image.kind),
            ("alpine:3.19", Kind::Alpine)
        );
        assert!(FinalImage::choose(&base("golang:1.22"), &GoFinal::Scratch, Some("cgo")).is_err());
        assert!(FinalImage::choose(&base("golang:1.22"), &GoFinal::Alpine, Some("cgo")).is_err());
    }

    #[test]
    fn users_each_image_knows() {
        let (distroless, _) =
            FinalImage::choose(&base("golang:1.22"), &GoFinal::Distroless, None).unwrap();
        assert!(distroless.knows_user("nonroot:nonroot") && distroless.knows_user("65532"));
        assert!(!distroless.knows_user("app"));
        let (scratch, _) =
            FinalImage::choose(&base("golang:1.22"), &GoFinal::Scratch, None).unwrap();
        assert!(scratch.knows_user("1000:1000") && !scratch.knows_user("nobody"));
    }
}
