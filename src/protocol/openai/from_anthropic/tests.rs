//! Tests of the translation, from the documented examples of both APIs.

mod harness;
mod rejections;
mod request;
mod response;
mod stream;
mod stream_end;
