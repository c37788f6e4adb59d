//! Image tokens by the providers' documented rules, from the pixel size read out of a
//! base64 data URL's header (`imagesize`), or the rule's largest image for a remote URL
//! or a header that cannot be read.
//!
//! - OpenAI (`image_url`, `input_image`): `detail: "low"` is 85 tokens; otherwise the
//!   image is scaled to fit 2048 x 2048, then its shorter side to 768 (only ever down),
//!   and costs 170 per 512-px tile plus 85. The largest is 8 tiles: 1445.
//! - Anthropic (`image` blocks): width x height / 750 after scaling the long edge to
//!   1568 px, at most about 1600 tokens (larger images are scaled down to that).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// OpenAI `detail: "low"`, and the base of every high-detail image.
const OPENAI_BASE: i64 = 85;
const OPENAI_TILE: i64 = 170;
/// 768 x 2048 after scaling: 2 x 4 tiles.
pub const OPENAI_MAX: i64 = OPENAI_BASE + 8 * OPENAI_TILE;
/// Anthropic scales an image down to about this many tokens.
pub const ANTHROPIC_MAX: i64 = 1600;
/// Base64 characters decoded first to find the header (most headers are near the start).
const HEADER_CHARS: usize = 64 * 1024;

/// The pricing rule of an image block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    OpenAi { low_detail: bool },
    Anthropic,
}

impl Rule {
    /// Tokens of an image of `size` (width, height), or of the largest one.
    pub fn tokens(self, size: Option<(u64, u64)>) -> i64 {
        match (self, size) {
            (Rule::OpenAi { low_detail: true }, _) => OPENAI_BASE,
            (Rule::OpenAi { .. }, None) => OPENAI_MAX,
            (Rule::OpenAi { .. }, Some((w, h))) => openai_tiles(w, h),
            (Rule::Anthropic, None) => ANTHROPIC_MAX,
            (Rule::Anthropic, Some((w, h))) => anthropic_pixels(w, h),
        }
    }
}

fn openai_tiles(width: u64, height: u64) -> i64 {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    let (w, h) = shrink(w, h, w.max(h), 2048.0);
    let (w, h) = shrink(w, h, w.min(h), 768.0);
    let tiles = (w / 512.0).ceil() * (h / 512.0).ceil();
    OPENAI_BASE + OPENAI_TILE * tiles as i64
}

fn anthropic_pixels(width: u64, height: u64) -> i64 {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    let (w, h) = shrink(w, h, w.max(h), 1568.0);
    ((w * h / 750.0).ceil() as i64).clamp(1, ANTHROPIC_MAX)
}

/// `w` x `h` scaled down (never up) so that `side`, one of its measures, is `limit`.
fn shrink(w: f64, h: f64, side: f64, limit: f64) -> (f64, f64) {
    if side > limit {
        (w * limit / side, h * limit / side)
    } else {
        (w, h)
    }
}

/// Width and height of the image in a `data:image/...;base64,` URL (`None` for a
/// remote URL).
pub fn size_of_data_url(url: &str) -> Option<(u64, u64)> {
    let (kind, payload) = url.strip_prefix("data:")?.split_once(";base64,")?;
    if !kind.starts_with("image/") {
        return None;
    }
    size_of_base64(payload)
}

/// Width and height of base64-encoded image data.
pub fn size_of_base64(data: &str) -> Option<(u64, u64)> {
    let head = &data[..data.len().min(HEADER_CHARS) / 4 * 4];
    let header = STANDARD.decode(head).ok()?;
    let size = match imagesize::blob_size(&header) {
        Ok(size) => size,
        // A header further in (e.g. a JPEG after large metadata): read it all.
        Err(_) if head.len() < data.len() => {
            imagesize::blob_size(&STANDARD.decode(data).ok()?).ok()?
        }
        Err(_) => return None,
    };
    Some((size.width as u64, size.height as u64))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A PNG header declaring `w` x `h`, followed by `padding` bytes.
    pub(in crate::billing::estimate) fn png(w: u32, h: u32, padding: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&w.to_be_bytes());
        bytes.extend_from_slice(&h.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes.resize(bytes.len() + padding, 7);
        bytes
    }

    #[test]
    fn openai_documented_examples() {
        let high = Rule::OpenAi { low_detail: false };
        // The documented examples: 1024 x 1024 -> 768 x 768, 4 tiles.
        assert_eq!(high.tokens(Some((1024, 1024))), 765);
        // 2048 x 4096 -> 1024 x 2048 -> 768 x 1536, 6 tiles.
        assert_eq!(high.tokens(Some((2048, 4096))), 1105);
        // A full-HD screenshot: 1365 x 768, 3 x 2 tiles.
        assert_eq!(high.tokens(Some((1920, 1080))), 1105);
        // Small images are not scaled up: 1 tile.
        assert_eq!(high.tokens(Some((300, 200))), 255);
        assert_eq!(high.tokens(None), 1445);
        assert_eq!(
            Rule::OpenAi { low_detail: true }.tokens(Some((4000, 4000))),
            85
        );
    }

    #[test]
    fn anthropic_documented_examples() {
        // 1092 x 1092 is about 1590 tokens; 200 x 200 about 54.
        assert_eq!(Rule::Anthropic.tokens(Some((1092, 1092))), 1590);
        assert_eq!(Rule::Anthropic.tokens(Some((200, 200))), 54);
        // Larger images are scaled down to the limit.
        assert_eq!(Rule::Anthropic.tokens(Some((1920, 1080))), 1600);
        assert_eq!(Rule::Anthropic.tokens(None), 1600);
    }

    #[test]
    fn reads_the_size_from_a_data_url_without_decoding_it_all() {
        let image = STANDARD.encode(png(1920, 1080, 1_000_000));
        assert_eq!(
            size_of_data_url(&format!("data:image/png;base64,{image}")),
            Some((1920, 1080))
        );
        assert_eq!(size_of_base64(&image), Some((1920, 1080)));
        assert_eq!(
            size_of_data_url("data:image/png;base64,bm90IGFuIGltYWdl"),
            None
        );
        assert_eq!(size_of_data_url("data:text/plain,hello"), None);
        assert_eq!(size_of_data_url("https://example.com/cat.png"), None);
        assert_eq!(size_of_base64("%%%"), None);
    }
}
