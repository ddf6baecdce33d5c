//! Response bodies cisrun trusts: bounded in size, and complete.
//!
//! The SDK buffers a whole response body before it parses it, and its XML and JSON readers
//! accept a document that stops early (a body cut short with a matching `Content-Length`
//! parses as a shorter answer). [`ResponseGuard`] wraps every response body of every client
//! cisrun builds: past [`MAX_RESPONSE_BYTES`] the read fails, and a body whose XML or JSON
//! document does not end where it should fails when it ends. Both failures are body read
//! errors, which the SDK reports as response errors (and retries, as it does other transient
//! response errors), so the caller sees an `InvalidResponse` naming the action, never a
//! shorter answer.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};

/// The largest response body cisrun reads: far above any AWS answer it asks for (a
/// 1,000-item `GetAccountAuthorizationDetails` page with long policies is a few MiB).
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Wraps every response body in a [`GuardedBody`].
#[derive(Debug, Clone, Copy)]
pub struct ResponseGuard {
    pub max_bytes: u64,
}

impl Default for ResponseGuard {
    fn default() -> Self {
        Self {
            max_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

impl Intercept for ResponseGuard {
    fn name(&self) -> &'static str {
        "cisrun-response-guard"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        // An error answer is an error whatever its body is (often a proxy's HTML page): only
        // a success must be a whole document; every body keeps the size limit.
        let success = response.status().is_success();
        let body = response.take_body();
        let guarded = GuardedBody::new(body, self.max_bytes);
        *response.body_mut() = SdkBody::from_body_1_x(if success {
            guarded
        } else {
            guarded.without_document_check()
        });
        Ok(())
    }
}

/// A response body that fails past `max_bytes`, or when its document ends early.
pub struct GuardedBody {
    inner: SdkBody,
    max_bytes: u64,
    read: u64,
    document: DocumentEnd,
    check_document: bool,
}

impl GuardedBody {
    pub fn new(inner: SdkBody, max_bytes: u64) -> Self {
        Self {
            inner,
            max_bytes,
            read: 0,
            document: DocumentEnd::default(),
            check_document: true,
        }
    }

    /// Only the size limit: the body need not be a whole document.
    pub fn without_document_check(mut self) -> Self {
        self.check_document = false;
        self
    }
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read += data.len() as u64;
                    if this.read > this.max_bytes {
                        return Poll::Ready(Some(Err(format!(
                            "the response body is larger than {} MiB, cisrun's limit: not read",
                            this.max_bytes / (1024 * 1024)
                        )
                        .into())));
                    }
                    this.document.feed(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) if !this.check_document => Poll::Ready(None),
            Poll::Ready(None) => match this.document.finish() {
                Ok(()) => Poll::Ready(None),
                Err(why) => Poll::Ready(Some(Err(format!(
                    "the response body ended after {} bytes, {why}: it was cut short",
                    this.read
                )
                .into()))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        // Never claim the end early: the document is checked when the inner body ends.
        false
    }

    fn size_hint(&self) -> http_body::SizeHint {
        Body::size_hint(&self.inner)
    }
}

/// What kind of document a body holds, from its first byte that is not whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Kind {
    /// Nothing but whitespace so far.
    #[default]
    Unknown,
    Xml,
    Json,
    /// Neither: not judged (an empty or a plain-text body).
    Other,
}

/// Where an XML reader is: in text, or inside some kind of markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Xml {
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// Inside a start tag; `slash` when the last byte was `/` (a self-closing tag ends `/>`).
    StartTag {
        quote: Option<u8>,
        slash: bool,
    },
    EndTag,
    /// `<?...?>`; `question` when the last byte was `?`.
    Instruction {
        question: bool,
    },
    /// `<!` not yet known to be a comment, CDATA or a declaration: the bytes after `<!`.
    Bang {
        seen: u8,
    },
    /// `<!-- ... -->`: how many `-` just passed.
    Comment {
        dashes: u8,
    },
    /// `<![CDATA[ ... ]]>`: how many `]` just passed.
    Cdata {
        brackets: u8,
    },
    /// `<!DOCTYPE ...>` and other declarations, with their nesting.
    Declaration {
        depth: u32,
    },
}

/// Tracks whether a streamed XML or JSON document has ended, one byte at a time and
/// without keeping the body: the nesting depth of elements (XML) or of objects and arrays
/// (JSON), outside strings, comments and CDATA.
#[derive(Debug, Default)]
pub struct DocumentEnd {
    kind: Kind,
    depth: u64,
    /// A root element (XML) or a top-level value (JSON) was closed.
    closed_root: bool,
    xml: Xml,
    json_in_string: bool,
    json_escaped: bool,
    /// Bytes of a UTF-8 byte-order mark skipped at the start.
    bom: u8,
}

const CDATA: &[u8] = b"[CDATA[";

impl DocumentEnd {
    pub fn feed(&mut self, data: &[u8]) {
        for &byte in data {
            self.byte(byte);
        }
    }

    fn byte(&mut self, byte: u8) {
        match self.kind {
            Kind::Unknown => {
                const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
                if usize::from(self.bom) < BOM.len() && byte == BOM[usize::from(self.bom)] {
                    self.bom += 1;
                    return;
                }
                if byte.is_ascii_whitespace() {
                    return;
                }
                self.kind = match byte {
                    b'<' => Kind::Xml,
                    b'{' | b'[' => Kind::Json,
                    _ => Kind::Other,
                };
                match self.kind {
                    Kind::Xml => self.xml_byte(byte),
                    Kind::Json => self.json_byte(byte),
                    _ => {}
                }
            }
            Kind::Xml => self.xml_byte(byte),
            Kind::Json => self.json_byte(byte),
            Kind::Other => {}
        }
    }

    fn json_byte(&mut self, byte: u8) {
        if self.json_in_string {
            match (self.json_escaped, byte) {
                (true, _) => self.json_escaped = false,
                (false, b'\\') => self.json_escaped = true,
                (false, b'"') => self.json_in_string = false,
                _ => {}
            }
            return;
        }
        match byte {
            b'"' => self.json_in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.closed_root = true;
                }
            }
            _ => {}
        }
    }

    fn xml_byte(&mut self, byte: u8) {
        self.xml = match (self.xml, byte) {
            (Xml::Text, b'<') => Xml::Open,
            (Xml::Text, _) => Xml::Text,
            (Xml::Open, b'/') => Xml::EndTag,
            (Xml::Open, b'?') => Xml::Instruction { question: false },
            (Xml::Open, b'!') => Xml::Bang { seen: 0 },
            (Xml::Open, _) => Xml::StartTag {
                quote: None,
                slash: false,
            },
            (Xml::StartTag { quote: Some(q), .. }, b) => Xml::StartTag {
                quote: (b != q).then_some(q),
                slash: false,
            },
            (Xml::StartTag { quote: None, .. }, b'"' | b'\'') => Xml::StartTag {
                quote: Some(byte),
                slash: false,
            },
            (Xml::StartTag { quote: None, slash }, b'>') => {
                if !slash {
                    self.depth += 1;
                } else if self.depth == 0 {
                    self.closed_root = true;
                }
                Xml::Text
            }
            (Xml::StartTag { quote: None, .. }, b) => Xml::StartTag {
                quote: None,
                slash: b == b'/',
            },
            (Xml::EndTag, b'>') => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.closed_root = true;
                }
                Xml::Text
            }
            (Xml::EndTag, _) => Xml::EndTag,
            (Xml::Instruction { question: true }, b'>') => Xml::Text,
            (Xml::Instruction { .. }, b) => Xml::Instruction {
                question: b == b'?',
            },
            (Xml::Bang { seen: 0 }, b'-') => Xml::Bang { seen: 1 },
            (Xml::Bang { seen: 1 }, b'-') => Xml::Comment { dashes: 0 },
            (Xml::Bang { seen }, b)
                if usize::from(seen) < CDATA.len() && b == CDATA[seen as usize] =>
            {
                if usize::from(seen) + 1 == CDATA.len() {
                    Xml::Cdata { brackets: 0 }
                } else {
                    Xml::Bang { seen: seen + 1 }
                }
            }
            (Xml::Bang { .. }, b'>') => Xml::Text,
            (Xml::Bang { .. }, b'<') => Xml::Declaration { depth: 1 },
            (Xml::Bang { .. }, _) => Xml::Declaration { depth: 0 },
            (Xml::Comment { dashes }, b'-') => Xml::Comment {
                dashes: dashes.saturating_add(1),
            },
            (Xml::Comment { dashes }, b'>') if dashes >= 2 => Xml::Text,
            (Xml::Comment { .. }, _) => Xml::Comment { dashes: 0 },
            (Xml::Cdata { brackets }, b']') => Xml::Cdata {
                brackets: brackets.saturating_add(1),
            },
            (Xml::Cdata { brackets }, b'>') if brackets >= 2 => Xml::Text,
            (Xml::Cdata { .. }, _) => Xml::Cdata { brackets: 0 },
            (Xml::Declaration { depth }, b'<') => Xml::Declaration { depth: depth + 1 },
            (Xml::Declaration { depth: 0 }, b'>') => Xml::Text,
            (Xml::Declaration { depth }, b'>') => Xml::Declaration { depth: depth - 1 },
            (Xml::Declaration { depth }, _) => Xml::Declaration { depth },
        };
    }

    /// Whether the document ended where it should: `Err` says what is missing.
    pub fn finish(&self) -> Result<(), &'static str> {
        match self.kind {
            Kind::Unknown | Kind::Other => Ok(()),
            Kind::Xml if self.xml != Xml::Text => Err("inside XML markup"),
            Kind::Json if self.json_in_string => Err("inside a JSON string"),
            Kind::Xml | Kind::Json if self.depth > 0 || !self.closed_root => Err(match self.kind {
                Kind::Xml => "before its XML root element was closed",
                _ => "before its JSON value was closed",
            }),
            Kind::Xml | Kind::Json => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(text: &[u8]) -> Result<(), &'static str> {
        let mut end = DocumentEnd::default();
        // Split the feed, as a network would.
        for chunk in text.chunks(3) {
            end.feed(chunk);
        }
        end.finish()
    }

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <tags> and -- dashes -->
<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>false</IsTruncated>
    <UserDetailList>
      <member a='x>y' b="/>"><UserName>alice</UserName><Empty/><Empty />
        <Doc><![CDATA[<Statement> ]] ]]> ]]></Doc>
      </member>
    </UserDetailList>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>
"#;

    const JSON: &str = r#"{"Policy": "{\"Statement\": [{\"Effect\": \"Deny\"}]}", "list": [1, [2, {"a": "}]\\\""}], {}], "s": "\\"}"#;

    #[test]
    fn whole_documents_end_where_they_should() {
        assert_eq!(judge(XML.as_bytes()), Ok(()));
        assert_eq!(judge(JSON.as_bytes()), Ok(()));
        assert_eq!(judge(b"<a/>"), Ok(()));
        assert_eq!(judge(b"\xEF\xBB\xBF<a>1</a>\n"), Ok(()));
        assert_eq!(judge(b"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>"), Ok(()));
        // Empty and plain bodies are not judged (e.g. a 204, or S3's empty 200s).
        assert_eq!(judge(b""), Ok(()));
        assert_eq!(judge(b"  \n"), Ok(()));
        assert_eq!(judge(b"OK"), Ok(()));
    }

    #[test]
    fn every_cut_of_a_document_is_caught() {
        for document in [XML.trim_end(), JSON] {
            let bytes = document.as_bytes();
            for cut in 1..bytes.len() {
                let prefix = &bytes[..cut];
                if prefix.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                assert!(
                    judge(prefix).is_err(),
                    "a body cut after {cut} bytes passed: {:?}",
                    String::from_utf8_lossy(prefix)
                );
            }
        }
    }

    #[tokio::test]
    async fn a_guarded_body_fails_past_its_limit_and_when_cut() {
        use http_body_util::BodyExt;
        let whole = GuardedBody::new(SdkBody::from("<a><b/></a>"), 100);
        assert!(whole.collect().await.is_ok());
        let cut = GuardedBody::new(SdkBody::from("<a><b/>"), 100);
        let error = cut.collect().await.err().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("cut short")),
            "{error:?}"
        );
        let page = "<!doctype html><html><title>500 Internal Server Error</title>";
        let error_page = GuardedBody::new(SdkBody::from(page), 100).without_document_check();
        assert!(error_page.collect().await.is_ok(), "an error answer's body");
        let big = GuardedBody::new(SdkBody::from(vec![b' '; 101]), 100).without_document_check();
        let error = big.collect().await.err().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("larger than")),
            "{error:?}"
        );
    }
}
