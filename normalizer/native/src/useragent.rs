//! A small user-agent parser for the callers CloudTrail and S3 access logs see: AWS CLI/SDKs, AWS
//! services, console browsers. CloudTrail's document calls it natively; S3 access logs through `user_agent`.
//!
//! Elastic parses `userAgent` with Elasticsearch's user_agent processor (the uap-core rules).
//! Those rules are thousands of regexes for the open web; CloudTrail's agents are a narrow
//! set, so this module covers them with a handful of rules and gives the same answers for
//! them: `aws-cli/2.17.60 …` → name aws-cli, version 2.17.60; `Linux/4.9.184-…` → os Linux
//! 4.9.184; a browser → its family, version, OS and device; anything else → name "Other".
//! uap-core calls any agent containing "bot" (botocore, Boto3) a "Spider" device; so does this
//! module, for parity with documents indexed by Elastic's integration.
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::LazyLock;

use foldhash::HashMap;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use regex::Regex;

use crate::doc::{Node, Obj};

/// Agents repeat: each one's whole `user_agent` object is written once and shared (per thread,
/// bounded: hostile input can invent agents without end; huge agents are parsed but not kept).
const MAX_CACHED: usize = 20_000;
const MAX_CACHED_CHARS: usize = 1024;
thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<[u8]>>> = RefCell::new(HashMap::default());
}

/// What the parser found: ECS user_agent.* fields besides `original`.
#[derive(Debug, PartialEq)]
pub struct UserAgent {
    pub name: String,
    pub version: Option<String>,
    /// (name, version)
    pub os: Option<(&'static str, Option<String>)>,
    pub device: &'static str,
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the user agent patterns are valid")
}

// A product token at the start: `aws-cli/2.17.60`, `[aws-cli/1.11.10 …]`, `aws-sdk-go/1.55.5 (…)`.
static PRODUCT: LazyLock<Regex> = LazyLock::new(|| regex(r"^\[?([A-Za-z][\w.\-]*)/(\d+(?:\.\d+){0,3})"));
// An AWS SDK named later in the agent (`AWS-Support-TrustedAdvisor, aws-internal/3 aws-sdk-java/1.11.590`),
// as uap-core finds it when no product leads.
static AWS_SDK: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(aws-sdk-[a-z0-9-]+)/(\d+(?:\.\d+){0,3})"));
static LINUX: LazyLock<Regex> = LazyLock::new(|| regex(r"\bLinux/(\d+)\.(\d+)(?:\.(\d+))?"));
static SPIDER: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)bot|crawl|spider|slurp|scrap|archiver|indexer"));
// Browser families, most specific first (Edge and Opera also say "Chrome", Chrome says "Safari").
static BROWSERS: LazyLock<[(&str, Regex); 5]> = LazyLock::new(|| {
    [
        ("Edge", regex(r"\bEdg(?:e|A|iOS)?/(\d+(?:\.\d+){0,3})")),
        ("Opera", regex(r"\bOPR/(\d+(?:\.\d+){0,3})")),
        ("Firefox", regex(r"\bFirefox/(\d+(?:\.\d+){0,3})")),
        ("Chrome", regex(r"\b(?:Chrome|CriOS)/(\d+(?:\.\d+){0,3})")),
        ("Safari", regex(r"\bVersion/(\d+(?:\.\d+){0,3})(?: Mobile/\S+)? Safari/")),
    ]
});
static WINDOWS: LazyLock<Regex> = LazyLock::new(|| regex(r"Windows NT (\d+\.\d+)"));
static IOS: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:iPhone|CPU) OS (\d+)_(\d+)(?:_(\d+))?"));
static MACOS: LazyLock<Regex> = LazyLock::new(|| regex(r"Mac OS X (\d+)[_.](\d+)(?:[_.](\d+))?"));
static ANDROID: LazyLock<Regex> = LazyLock::new(|| regex(r"Android (\d+(?:\.\d+){0,2})"));

fn windows_name(version: &str) -> Option<&'static str> {
    Some(match version {
        "10.0" => "10",
        "6.3" => "8.1",
        "6.2" => "8",
        "6.1" => "7",
        "6.0" => "Vista",
        "5.2" | "5.1" => "XP",
        _ => return None,
    })
}

/// The dotted join of a match's groups that matched (`4.9.184`, or `4.9` without a third).
fn joined(captures: &regex::Captures) -> String {
    captures.iter().skip(1).flatten().map(|m| m.as_str()).collect::<Vec<_>>().join(".")
}

/// ECS `user_agent` for `agent` as JSON bytes: for the sources normalized in Python.
#[pyfunction]
pub fn user_agent<'py>(py: Python<'py>, agent: &str) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &user_agent_json(agent))
}

/// ECS `user_agent` for `agent` (`original` and what the parser found), as JSON.
pub fn user_agent_json(agent: &str) -> Rc<[u8]> {
    if agent.len() > MAX_CACHED_CHARS {
        return write(agent);
    }
    CACHE.with_borrow_mut(|cache| {
        if let Some(found) = cache.get(agent) {
            return found.clone();
        }
        let json = write(agent);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(agent.to_owned(), json.clone());
        json
    })
}

fn write(agent: &str) -> Rc<[u8]> {
    let mut object = Obj::new();
    object.set_str("original", agent);
    parse(agent).write_into(&mut object);
    let mut json = Vec::new();
    object.write(&mut json);
    json.into()
}

pub fn parse(agent: &str) -> UserAgent {
    let mut out = UserAgent { name: "Other".into(), version: None, os: None, device: device(agent) };
    if agent.contains("Mozilla/") {
        browser(agent, &mut out);
    } else {
        if let Some(product) = PRODUCT.captures(agent).or_else(|| AWS_SDK.captures(agent)) {
            out.name = product[1].to_string();
            out.version = Some(product[2].to_string());
        }
        if let Some(linux) = LINUX.captures(agent) {
            out.os = Some(("Linux", Some(joined(&linux))));
        }
    }
    out
}

fn browser(agent: &str, out: &mut UserAgent) {
    for (family, pattern) in BROWSERS.iter() {
        if let Some(found) = pattern.captures(agent) {
            out.name = family.to_string();
            out.version = Some(found[1].to_string());
            break;
        }
    }
    out.os = if let Some(windows) = WINDOWS.captures(agent) {
        Some(("Windows", windows_name(&windows[1]).map(str::to_owned)))
    } else if let Some(ios) = IOS.captures(agent) {
        Some(("iOS", Some(joined(&ios))))
    } else if let Some(android) = ANDROID.captures(agent) {
        Some(("Android", Some(android[1].to_string())))
    } else if let Some(mac) = MACOS.captures(agent) {
        Some(("Mac OS X", Some(joined(&mac))))
    } else if agent.contains("CrOS") {
        Some(("Chrome OS", None))
    } else if agent.contains("Linux") {
        Some(("Linux", None))
    } else {
        None
    };
}

fn device(agent: &str) -> &'static str {
    if SPIDER.is_match(agent) {
        return "Spider";
    }
    [("iPhone", "iPhone"), ("iPad", "iPad"), ("Macintosh", "Mac")]
        .into_iter()
        .find(|(marker, _)| agent.contains(marker))
        .map_or("Other", |(_, device)| device)
}

impl UserAgent {
    /// Add the parsed fields to a `user_agent` object.
    fn write_into(self, agent: &mut Obj<'_>) {
        agent.set_str("name", self.name);
        if let Some(version) = self.version {
            agent.set_str("version", version);
        }
        if let Some((name, version)) = self.os {
            let os = agent.section("os");
            os.set_str("name", name);
            if let Some(version) = version.filter(|v| !v.is_empty()) {
                let full = format!("{name} {version}");
                os.set("version", Node::Str(version.into()));
                os.set_str("full", full);
            }
        }
        agent.section("device").set_str("name", self.device);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_tools() {
        let cli = parse("aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64");
        assert_eq!((cli.name.as_str(), cli.version.as_deref()), ("aws-cli", Some("2.15.30")));
        assert_eq!(cli.os, Some(("Linux", Some("6.5.0".into()))));
        assert_eq!(parse("Boto3/1.34.0 botocore/1.34.0").device, "Spider");
        assert_eq!(parse("console.amazonaws.com").name, "Other");
        let advisor = parse("AWS-Support-TrustedAdvisor, aws-internal/3 aws-sdk-java/1.11.590 Linux/4.9.137-0.1");
        assert_eq!((advisor.name.as_str(), advisor.version.as_deref()), ("aws-sdk-java", Some("1.11.590")));
    }

    #[test]
    fn browsers() {
        let edge = parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0.1");
        assert_eq!((edge.name.as_str(), edge.version.as_deref()), ("Edge", Some("120.0.1")));
        assert_eq!(edge.os, Some(("Windows", Some("10".into()))));
        let safari = parse("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Version/17.2 Mobile/15E148 Safari/604.1");
        assert_eq!((safari.name.as_str(), safari.device), ("Safari", "iPhone"));
        assert_eq!(safari.os, Some(("iOS", Some("17.2".into()))));
    }
}
