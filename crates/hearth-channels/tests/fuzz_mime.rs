//! Fuzzing MIME reading on the stable toolchain with proptest: arbitrary bytes and
//! structured mutations of the corpus (`tests/corpus/`: flipped and dropped bytes,
//! duplicated slices, MIME tokens spliced in). Reading must never panic, and what
//! it gives must keep its promises: HTML without active content, text without
//! carriage returns, file ids that are the files' hashes, bounded subjects.
//!
//! `HEARTH_FUZZ_CASES` sets the number of inputs (default 3,000: the smoke run in
//! CI); `docs/fuzzing.md` records a run of a million.

use hearth_app::service::file_id;
use hearth_channels::email::parse::{self, sanitise};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Fragments that steer mutations into the parser's interesting corners.
const TOKENS: [&[u8]; 22] = [
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"--",
    b"--x\r\n",
    b"--x--\r\n",
    b"Content-Type: multipart/mixed; boundary=\"x\"\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: text/html; charset=utf-8\r\n\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"=?UTF-8?B?",
    b"=?ISO-8859-1?Q?=E9",
    b"?=",
    b"<script>alert(1)</script>",
    b"<img src=\"cid:a@b\" onerror=\"x()\">",
    b"Content-ID: <a@b>\r\n",
    b"Auto-Submitted: auto-replied\r\n",
    b"filename*=UTF-8''%C3%A9.pdf",
    b"\xff\xfe\x00",
    b"=\r\n",
];

#[derive(Debug, Clone)]
enum Op {
    Flip(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Token(usize, usize),
    Truncate(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Op::Flip(at, b)),
        (any::<usize>(), 0usize..64).prop_map(|(at, n)| Op::Delete(at, n)),
        (any::<usize>(), 0usize..256).prop_map(|(at, n)| Op::Duplicate(at, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Op::Token(at, t)),
        any::<usize>().prop_map(Op::Truncate),
    ]
}

fn apply(seed: &[u8], ops: &[Op]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for op in ops {
        let len = out.len().max(1);
        match *op {
            Op::Flip(at, b) => {
                if !out.is_empty() {
                    let i = at % out.len();
                    out[i] = b;
                }
            }
            Op::Delete(at, n) => {
                let i = at % len;
                let end = (i + n).min(out.len());
                if i < end {
                    out.drain(i..end);
                }
            }
            Op::Duplicate(at, n) => {
                let i = at % len;
                let end = (i + n).min(out.len());
                if i < end {
                    let slice = out[i..end].to_vec();
                    out.splice(i..i, slice);
                }
            }
            Op::Token(at, t) => {
                let i = at % (out.len() + 1);
                out.splice(i..i, TOKENS[t].iter().copied());
            }
            Op::Truncate(at) => out.truncate(at % len),
        }
    }
    out
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// What reading `bytes` promises, whatever they are.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(mail) = parse::read(bytes) else {
        return Ok(());
    };
    prop_assert!(!mail.text.contains('\r'));
    prop_assert!(mail.subject.len() <= 998);
    prop_assert!(mail.sender.contains('@'));
    if let Some(html) = &mail.html {
        prop_assert!(
            active_content(html).is_none(),
            "{:?} in {}",
            active_content(html),
            html
        );
    }
    for f in &mail.files {
        prop_assert_eq!(&f.id, &file_id(&f.bytes));
    }
    Ok(())
}

/// The first tag of `html` that could act: a script, frame, object or style
/// element, an event handler or inline style, a `javascript:` URL, or an image
/// from elsewhere than the message itself. Text (where `<` is escaped) cannot act
/// and is not looked at.
fn active_content(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(start) = lower[i..].find('<').map(|s| i + s) {
        let mut k = start + 1;
        let closing = bytes.get(k) == Some(&b'/');
        if closing {
            k += 1;
        }
        let name_start = k;
        while k < bytes.len() && bytes[k].is_ascii_alphanumeric() {
            k += 1;
        }
        let name = &lower[name_start..k];
        let mut attributes: Vec<(String, String)> = Vec::new();
        // Attributes up to the tag's end, quoted values read whole.
        loop {
            while k < bytes.len() && (bytes[k].is_ascii_whitespace() || bytes[k] == b'/') {
                k += 1;
            }
            if k >= bytes.len() || bytes[k] == b'>' {
                break;
            }
            let attr_start = k;
            while k < bytes.len()
                && !bytes[k].is_ascii_whitespace()
                && !matches!(bytes[k], b'=' | b'>' | b'/')
            {
                k += 1;
            }
            let attr = lower[attr_start..k].to_owned();
            let mut value = String::new();
            if bytes.get(k) == Some(&b'=') {
                k += 1;
                match bytes.get(k) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = lower[k + 1..]
                            .find(q as char)
                            .map_or(bytes.len(), |e| k + 1 + e);
                        value = lower[k + 1..end].to_owned();
                        k = (end + 1).min(bytes.len());
                    }
                    _ => {
                        let v_start = k;
                        while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>'
                        {
                            k += 1;
                        }
                        value = lower[v_start..k].to_owned();
                    }
                }
            }
            if attr.is_empty() {
                k += 1;
                continue;
            }
            attributes.push((attr, value));
        }
        let tag = lower[start..k.min(bytes.len())].to_owned();
        let bad_element = [
            "script", "iframe", "frame", "object", "embed", "style", "form", "svg",
        ]
        .contains(&name);
        let bad_attribute = attributes.iter().any(|(a, v)| {
            let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            a.starts_with("on")
                || a == "style"
                || compact.starts_with("javascript:")
                || (name == "img" && a == "src" && !v.starts_with("hearth-file:"))
        });
        if bad_element || bad_attribute {
            return Some(tag);
        }
        i = k.max(start + 1).min(bytes.len());
    }
    None
}

fn cases() -> u32 {
    std::env::var("HEARTH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

#[test]
fn mime_reading_survives_arbitrary_and_mutated_input() {
    let seeds = corpus();
    let n = seeds.len();
    let mutated = (0..n, proptest::collection::vec(op(), 1..12))
        .prop_map(move |(s, ops)| apply(&seeds[s], &ops));
    let inputs = prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
        4 => mutated,
    ];
    let cases = cases();
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    // Measured to report the run's size and pace (docs/fuzzing.md); nothing is
    // asserted about time.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let result = runner.run(&inputs, |input| check(&input));
    eprintln!(
        "fuzzed MIME reading with {cases} inputs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result.unwrap();
}

#[test]
fn sanitising_any_html_leaves_no_active_content() {
    let config = Config {
        cases: cases() / 3,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let pieces = prop_oneof![
        Just("<script>alert(1)</script>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_owned()),
        Just("<iframe src=\"https://evil.example\"></iframe>".to_owned()),
        Just("<svg><script>x</script></svg>".to_owned()),
        Just("<img src=\"cid:a@b\">".to_owned()),
        Just("<p style=\"background:url(https://t.example)\">".to_owned()),
        "[<>\"'=/a-z :;]{0,40}",
    ];
    let html = proptest::collection::vec(pieces, 0..12).prop_map(|p| p.concat());
    runner
        .run(&html, |html| {
            let clean = sanitise(&html, &[("<a@b>".into(), "f".repeat(64))]);
            prop_assert!(
                active_content(&clean).is_none(),
                "{:?} in {}",
                active_content(&clean),
                clean
            );
            Ok(())
        })
        .unwrap();
}

/// The checker itself: it must see what acts and leave text and safe tags alone,
/// or the fuzz tests above could not fail.
#[test]
fn the_active_content_check_sees_what_acts() {
    for acting in [
        "<script>x</script>",
        "<p onclick=\"x()\">a</p>",
        "<a href=\" JavaScript:alert(1)\">a</a>",
        "<img src=\"https://tracker.example/p.gif\">",
        "<p style=\"color:red\">a</p>",
        "<svg></svg>",
    ] {
        assert!(active_content(acting).is_some(), "{acting}");
    }
    for calm in [
        "<p>only &lt;script&gt; as text, and words like only or online</p>",
        "<a href=\"https://example.com\" rel=\"noopener\">only</a>",
        "<img src=\"hearth-file:abc\">",
        "<a href=\"x y only=1\">q</a>",
    ] {
        assert_eq!(active_content(calm), None, "{calm}");
    }
}
