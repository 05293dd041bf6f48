//! A small, strict JSON reader and writer for what the app reads (configuration, discovery, key
//! sets, token responses, JWT headers and claims, API answers) and writes (its own records). It
//! replaces serde and serde_json in the bundle, where their code generated for every type was a
//! quarter of the wasm (issue 9), and it is stricter where an attacker writes the input:
//! - a member name that appears twice in an object is refused (RFC 7515 §4: a JWS parser must not
//!   guess which duplicate counts);
//! - nesting deeper than [`MAX_DEPTH`] is refused, so no input can exhaust the stack;
//! - numbers keep their text and are read as integers only when asked ([`Json::as_i64`]);
//! - errors have fixed wording and name nothing of the input.

use thiserror::Error;

/// Deepest nesting accepted; the app's documents are two or three levels deep.
pub const MAX_DEPTH: usize = 32;

/// A parsed JSON value. Objects keep their members in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (already checked against the JSON grammar).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members, in order; names are unique.
    Object(Vec<(String, Json)>),
}

/// Why a text is not accepted as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum JsonError {
    /// Not JSON at all, or not all of it (trailing text, bad escapes, bad numbers).
    #[error("not valid JSON")]
    Syntax,
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested too deeply")]
    TooDeep,
    /// An object names a member twice.
    #[error("a JSON object names a member twice")]
    DuplicateName,
}

/// Parses a whole JSON text (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut parser = Parser { bytes: text.as_bytes(), at: 0 };
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.at != parser.bytes.len() {
        return Err(JsonError::Syntax);
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.skip_whitespace();
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1; // '{'
        let mut members: Vec<(String, Json)> = Vec::new();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return Err(JsonError::Syntax);
                }
                let name = self.string()?;
                if !self.eat(b':') {
                    return Err(JsonError::Syntax);
                }
                members.push((name, self.value(depth + 1)?));
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(JsonError::Syntax);
                }
            }
        }
        // Sorted names side by side: duplicates in O(n log n), whatever the input.
        let names = auth_rules::sorted(members.iter().map(|(name, _)| name.as_str()));
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(JsonError::DuplicateName);
        }
        Ok(Json::Object(members))
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1; // '['
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                items.push(self.value(depth + 1)?);
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(JsonError::Syntax);
                }
            }
        }
        Ok(Json::Array(items))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(JsonError::Syntax)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + (digit as char).to_digit(16).ok_or(JsonError::Syntax)?;
        }
        self.at += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1; // '"'
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is a &str and the run stops at ASCII bytes only: a whole UTF-8 slice.
            out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonError::Syntax)?);
            match self.peek().ok_or(JsonError::Syntax)? {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escape = self.peek().ok_or(JsonError::Syntax)?;
                    self.at += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(JsonError::Syntax),
                    };
                    out.push(c);
                }
                _ => return Err(JsonError::Syntax), // a raw control character
            }
        }
    }

    /// `\uXXXX`, with a surrogate pair as two escapes; a lone surrogate is refused.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xd800..=0xdbff => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(JsonError::Syntax);
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(JsonError::Syntax);
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(JsonError::Syntax),
            _ => first,
        };
        char::from_u32(code).ok_or(JsonError::Syntax)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let first = self.peek();
        let whole = self.digits();
        if whole == 0 || (first == Some(b'0') && whole > 1) {
            return Err(JsonError::Syntax);
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonError::Syntax)?;
        Ok(Json::Number(text.to_owned()))
    }
}

impl Json {
    /// The member `name` of an object (`None` for a missing member or a non-object).
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.members()?.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// An object's members.
    pub fn members(&self) -> Option<&[(String, Json)]> {
        match self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    /// An array's items.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A string's text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An integer that fits `i64`, written without fraction or exponent.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// A non-negative integer that fits `u64`, written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// Compact text, as `JSON.stringify` writes it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None, 0);
        out
    }

    /// Indented text (two spaces), for showing a document to a person.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(2), 0);
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>, level: usize) {
        let newline = |out: &mut String, level: usize| {
            if let Some(width) = indent {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', width * level));
            }
        };
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Number(text) => out.push_str(text),
            Self::String(text) => quote(text, out),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Object(members) if members.is_empty() => out.push_str("{}"),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, level + 1);
                    item.write(out, indent, level + 1);
                }
                newline(out, level);
                out.push(']');
            }
            Self::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, level + 1);
                    quote(name, out);
                    out.push_str(if indent.is_some() { ": " } else { ":" });
                    value.write(out, indent, level + 1);
                }
                newline(out, level);
                out.push('}');
            }
        }
    }
}

/// Builds an object from its members (the app's own records).
pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
    Json::Object(members.into_iter().map(|(name, value)| (name.to_owned(), value)).collect())
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Self::String(text.to_owned())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Self {
        Self::Number(n.to_string())
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// Writes `text` as a JSON string literal.
pub fn quote(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let n = c as usize;
                out.push_str("\\u00");
                out.push(HEX[n >> 4] as char);
                out.push(HEX[n & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_parse_into_values_in_order() {
        let doc = parse(r#" {"b": [1, -2.5e3, true, null], "a": {"s": "x\"\u00e9\ud83d\ude00\n"}} "#).expect("parses");
        let members = doc.members().expect("an object");
        assert_eq!(members.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        let items = doc.get("b").and_then(Json::as_array).expect("an array");
        assert_eq!((items[0].as_i64(), items[1].as_i64(), items[2].as_bool()), (Some(1), None, Some(true)));
        assert_eq!(items[3], Json::Null);
        assert_eq!(doc.get("a").and_then(|a| a.get("s")).and_then(Json::as_str), Some("x\"é😀\n"));
        assert_eq!(parse("9223372036854775807").expect("max").as_i64(), Some(i64::MAX));
        assert_eq!(parse("9223372036854775808").expect("beyond").as_i64(), None);
        assert_eq!(parse("-1").expect("negative").as_u64(), None);
    }

    #[test]
    fn what_json_does_not_allow_is_refused() {
        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "NaN",
            "\"\\x\"",
            "\"\u{1}\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "tru",
            "nul",
            "[1] 2",
            "'a'",
            "\"unterminated",
        ] {
            assert_eq!(parse(bad), Err(JsonError::Syntax), "{bad:?}");
        }
        assert_eq!(parse(r#"{"a": 1, "b": 2, "a": 3}"#), Err(JsonError::DuplicateName));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        let fits = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&fits).is_ok());
    }

    #[test]
    fn written_text_reads_back_and_matches_the_browser() {
        let doc = object([
            ("s", "a\"b\\c\n\u{1}é".into()),
            ("n", Json::from(42u64)),
            ("none", Json::from(None::<&str>)),
            ("list", Json::Array(vec![Json::Bool(false), object([])])),
        ]);
        assert_eq!(doc.to_text(), r#"{"s":"a\"b\\c\n\u0001é","n":42,"none":null,"list":[false,{}]}"#);
        assert_eq!(parse(&doc.to_text()), Ok(doc.clone()));
        assert_eq!(parse(&doc.pretty()), Ok(doc.clone()));
        assert_eq!(object([("a", Json::Array(vec![Json::from(1u64)]))]).pretty(), "{\n  \"a\": [\n    1\n  ]\n}");
    }
}
