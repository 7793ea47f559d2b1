//! Known causes of a failed run, named in the user's words with the toggle
//! that fixes each, so a learner sees *why* scratch broke their binary.

use serde::Serialize;

use crate::dockerfile::edit::{Change, Toggle};

/// Why a run failed and what to switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub cause: &'static str,
    pub detail: &'static str,
    /// The change that fixes it, when one toggle does.
    #[serde(serialize_with = "change_text")]
    pub fix: Option<Change>,
}

fn change_text<S: serde::Serializer>(c: &Option<Change>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.to_string()),
        None => s.serialize_none(),
    }
}

struct Known {
    needles: &'static [&'static str],
    cause: &'static str,
    detail: &'static str,
    fix: Option<(Toggle, bool)>,
}

const KNOWN: &[Known] = &[
    Known {
        needles: &[
            "exec: \"/bin/sh\"",
            "/bin/sh: no such file",
            "exec /bin/sh: no such file",
        ],
        cause: "no shell in the image",
        detail: "a shell-form CMD, ENTRYPOINT or RUN runs /bin/sh, which this base does not have; use exec form: [\"/app\"]",
        fix: None,
    },
    Known {
        needles: &["no such file or directory"],
        cause: "dynamically linked binary on a base without libc",
        detail: "with cgo on, net and os/user link against glibc, and the runtime base has no dynamic loader, so exec fails before main runs; turn cgo off",
        fix: Some((Toggle::Cgo, false)),
    },
    Known {
        needles: &[
            "x509: certificate signed by unknown authority",
            "x509: failed to load system roots",
        ],
        cause: "no CA certificates",
        detail: "the base has no /etc/ssl/certs, so every TLS connection is rejected; copy the builder's CA bundle",
        fix: Some((Toggle::Certs, true)),
    },
    Known {
        needles: &["unknown time zone"],
        cause: "no time zone database",
        detail: "time.LoadLocation reads /usr/share/zoneinfo, which the base does not have; embed it with -tags timetzdata",
        fix: Some((Toggle::Tzdata, true)),
    },
    Known {
        needles: &["unable to find user", "no matching entries in passwd file"],
        cause: "user name not in /etc/passwd",
        detail: "USER names a user the base's /etc/passwd does not list (scratch has no passwd at all); use a numeric uid",
        fix: Some((Toggle::Nonroot, true)),
    },
];

/// The known cause in a failed run's stderr or the daemon's error, if any.
pub fn explain_failure(texts: &[&str]) -> Option<Explanation> {
    KNOWN
        .iter()
        .find(|k| {
            texts
                .iter()
                .any(|t| k.needles.iter().any(|n| t.contains(n)))
        })
        .map(|k| Explanation {
            cause: k.cause,
            detail: k.detail,
            fix: k.fix.map(|(t, on)| Change::Set(t, on)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_cause_and_the_toggle() {
        let e = explain_failure(&["exec /probe: no such file or directory"]);
        assert_eq!(
            e.as_ref().map(|e| e.cause),
            Some("dynamically linked binary on a base without libc")
        );
        assert_eq!(e.and_then(|e| e.fix), Some(Change::Set(Toggle::Cgo, false)));
        let e = explain_failure(&[
            "",
            "Get \"https://x\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Certs, true))
        );
        let e = explain_failure(&["panic: unknown time zone Europe/Berlin"]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Tzdata, true))
        );
        let e = explain_failure(&["unable to find user app: no matching entries in passwd file"]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Nonroot, true))
        );
    }

    #[test]
    fn a_missing_shell_is_not_blamed_on_cgo() {
        let e = explain_failure(&["exec: \"/bin/sh\": stat /bin/sh: no such file or directory"]);
        assert_eq!(e.as_ref().map(|e| e.cause), Some("no shell in the image"));
        assert!(explain_failure(&["exit status 3"]).is_none());
    }
}
