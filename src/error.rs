//! Typed, stable errors for invalid input.
//!
//! Every error carries a machine-readable [`ErrorCode`], the name of the input field it is about
//! and a human-readable message. Messages never contain secrets: validation of credentials
//! reports *what* is wrong, never the value.

use crate::text::all_parts;
use crate::{Own, Str};
use core::fmt;

/// Stable error codes. The string form ([`ErrorCode::as_str`]) is part of the public API: the
/// TypeScript layer exposes it as `OssError.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A required input is missing or has the wrong type.
    InvalidInput,
    InvalidBucketName,
    InvalidObjectName,
    InvalidSymlinkTarget,
    InvalidRegion,
    InvalidProduct,
    InvalidEndpoint,
    InvalidHeaderName,
    InvalidHeaderValue,
    /// The same header given twice, or a header the library sets itself.
    ConflictingHeader,
    InvalidAcl,
    InvalidStorageClass,
    InvalidMetadata,
    MetadataTooLarge,
    InvalidTagging,
    InvalidQuery,
    InvalidCredentials,
    InvalidExpires,
    InvalidDate,
    InvalidMethod,
    InvalidVersionId,
    /// An answer from the server that cannot be understood.
    InvalidResponse,
}

/// Every code's name, in the order of [`ErrorCode`], as one space-separated string (a `match`
/// compiles to tables of pointers and lengths in the module's data).
const NAMES: &str = "InvalidInput InvalidBucketName InvalidObjectName InvalidSymlinkTarget \
    InvalidRegion InvalidProduct InvalidEndpoint InvalidHeaderName InvalidHeaderValue \
    ConflictingHeader InvalidAcl InvalidStorageClass InvalidMetadata MetadataTooLarge \
    InvalidTagging InvalidQuery InvalidCredentials InvalidExpires InvalidDate InvalidMethod \
    InvalidVersionId InvalidResponse";

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        // The word at index `self as usize` of NAMES: count down once per word, stop at zero.
        let (mut name, mut before) = ("", self as usize);
        all_parts(NAMES, b' ', |part| {
            name = part;
            before = before.wrapping_sub(1);
            before != usize::MAX
        });
        name
    }
}

/// An input error: which rule was broken, for which field, and why. Boxed, so that a `Result`
/// is small and every `?` in the core moves one pointer (a sizeable part of the WebAssembly
/// module otherwise); the details are read through `Deref` (`error.code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Own<ErrorDetail>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// The input field, e.g. `key`, `target`, `meta.location`, `headers.x-foo`.
    pub field: Str,
    pub message: Str,
}

impl Error {
    // One out-of-line constructor over `&str`: generic `Into<String>` arguments were copied
    // into every call site of the WebAssembly module.
    #[inline(never)]
    pub fn new(code: ErrorCode, field: &str, message: &str) -> Self {
        Error(Own::new(ErrorDetail {
            code,
            field: field.into(),
            message: message.into(),
        }))
    }
}

impl core::ops::Deref for Error {
    type Target = ErrorDetail;

    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl core::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::ErrorCode::{self, *};
    use alloc::format;

    /// Each code's name is its variant's name, so the word list is in the enum's order.
    #[test]
    fn names_follow_the_variants() {
        let all: [ErrorCode; 22] = [
            InvalidInput,
            InvalidBucketName,
            InvalidObjectName,
            InvalidSymlinkTarget,
            InvalidRegion,
            InvalidProduct,
            InvalidEndpoint,
            InvalidHeaderName,
            InvalidHeaderValue,
            ConflictingHeader,
            InvalidAcl,
            InvalidStorageClass,
            InvalidMetadata,
            MetadataTooLarge,
            InvalidTagging,
            InvalidQuery,
            InvalidCredentials,
            InvalidExpires,
            InvalidDate,
            InvalidMethod,
            InvalidVersionId,
            InvalidResponse,
        ];
        for code in all {
            assert_eq!(code.as_str(), format!("{code:?}"));
        }
        assert_eq!(super::NAMES.split(' ').count(), all.len());
    }
}
