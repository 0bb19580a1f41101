//! Typed, stable errors for invalid input.
//!
//! Every error carries a machine-readable [`ErrorCode`], the name of the input field it is about
//! and a human-readable message. Messages never contain secrets: validation of credentials
//! reports *what* is wrong, never the value.

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

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::InvalidBucketName => "InvalidBucketName",
            ErrorCode::InvalidObjectName => "InvalidObjectName",
            ErrorCode::InvalidSymlinkTarget => "InvalidSymlinkTarget",
            ErrorCode::InvalidRegion => "InvalidRegion",
            ErrorCode::InvalidProduct => "InvalidProduct",
            ErrorCode::InvalidEndpoint => "InvalidEndpoint",
            ErrorCode::InvalidHeaderName => "InvalidHeaderName",
            ErrorCode::InvalidHeaderValue => "InvalidHeaderValue",
            ErrorCode::ConflictingHeader => "ConflictingHeader",
            ErrorCode::InvalidAcl => "InvalidAcl",
            ErrorCode::InvalidStorageClass => "InvalidStorageClass",
            ErrorCode::InvalidMetadata => "InvalidMetadata",
            ErrorCode::MetadataTooLarge => "MetadataTooLarge",
            ErrorCode::InvalidTagging => "InvalidTagging",
            ErrorCode::InvalidQuery => "InvalidQuery",
            ErrorCode::InvalidCredentials => "InvalidCredentials",
            ErrorCode::InvalidExpires => "InvalidExpires",
            ErrorCode::InvalidDate => "InvalidDate",
            ErrorCode::InvalidMethod => "InvalidMethod",
            ErrorCode::InvalidVersionId => "InvalidVersionId",
            ErrorCode::InvalidResponse => "InvalidResponse",
        }
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
