//! Table tests of the Responses translators: requests as the Responses API documents
//! them in, Chat Completions out; chat answers and chunk streams in, `response`
//! objects and the event sequence the openai SDK accepts out.

mod answer;
mod request;
mod stream;
