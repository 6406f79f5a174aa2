//! From rendered frames to a GIF file: frames rendered in parallel chunks, quantised to the
//! fixed [`GifPalette`], stored as deltas (after the first, each frame keeps only the rectangle
//! that changed, unchanged pixels transparent, which keeps README-sized GIFs small), looping
//! forever, written atomically, with progress reported per chunk.

use std::path::Path;

use rayon::prelude::*;

use super::super::canvas::Raster;
use super::super::palette::GifPalette;
use crate::fsutil::write_bytes_atomic;
use crate::progress::Progress;
use crate::render::RenderError;

/// Frames rendered (and held in memory) at once.
const CHUNK: usize = 24;

/// Renders frame `i` with `render` for every `delays[i]` (ms), in parallel chunks, quantises
/// to `palette`, and writes the looping `size` GIF to `path` atomically, reporting frames done
/// to `progress`.
pub(super) fn encode_gif<F>(
    path: &Path,
    size: (u32, u32),
    palette: &GifPalette,
    delays: &[u32],
    render: F,
    progress: &mut dyn Progress,
) -> Result<(), RenderError>
where
    F: Fn(usize) -> Result<Raster, RenderError> + Sync,
{
    let (w, h) = (size.0 as u16, size.1 as u16);
    let transparent = palette.len() as u8;
    let mut table = palette.rgb_table();
    table.extend([0xff, 0x00, 0xff]); // the transparent slot; never shown
    let gif_err = |e: gif::EncodingError| RenderError::Io {
        path: path.to_path_buf(),
        cause: std::io::Error::other(e),
    };
    let mut encoder = gif::Encoder::new(Vec::new(), w, h, &table).map_err(gif_err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;

    progress.begin(
        &format!("rendering {}", path.display()),
        delays.len() as u64,
    );
    let mut previous: Option<Vec<u8>> = None;
    for start in (0..delays.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(delays.len());
        let indexed: Vec<Vec<u8>> = (start..end)
            .into_par_iter()
            .map(|i| {
                crate::interrupt::check()?;
                Ok(palette.quantise(&render(i)?.rgb))
            })
            .collect::<Result<_, RenderError>>()?;
        let frames: Vec<gif::Frame<'static>> = (0..indexed.len())
            .into_par_iter()
            .map(|k| {
                let prev = if k == 0 {
                    previous.as_deref()
                } else {
                    Some(&indexed[k - 1][..])
                };
                let mut frame = delta_frame(prev, &indexed[k], (w, h), transparent);
                frame.delay = (f64::from(delays[start + k]) / 10.0).round() as u16;
                frame.make_lzw_pre_encoded();
                frame
            })
            .collect();
        for frame in &frames {
            encoder
                .write_lzw_pre_encoded_frame(frame)
                .map_err(gif_err)?;
        }
        previous = indexed.into_iter().last();
        progress.update(end as u64, None);
    }
    let bytes = encoder.into_inner().map_err(gif_err)?;
    progress.end();
    write_bytes_atomic(path, &bytes).map_err(|cause| RenderError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// The GIF frame that turns `prev` into `cur`: the bounding box of the changed pixels, with
/// unchanged ones transparent (the whole frame when there is no `prev`).
fn delta_frame(
    prev: Option<&[u8]>,
    cur: &[u8],
    (w, h): (u16, u16),
    transparent: u8,
) -> gif::Frame<'static> {
    let (wu, hu) = (usize::from(w), usize::from(h));
    let Some(prev) = prev else {
        return gif::Frame::from_indexed_pixels(w, h, cur.to_vec(), None);
    };
    let (mut x0, mut y0, mut x1, mut y1) = (wu, hu, 0, 0);
    for y in 0..hu {
        let row = y * wu..(y + 1) * wu;
        let (p, c) = (&prev[row.clone()], &cur[row]);
        if let Some(first) = (0..wu).find(|&x| p[x] != c[x]) {
            let last = (0..wu).rev().find(|&x| p[x] != c[x]).unwrap_or(first);
            (x0, x1, y0, y1) = (x0.min(first), x1.max(last + 1), y0.min(y), y + 1);
        }
    }
    if x0 >= x1 {
        // Nothing changed: one transparent pixel keeps the frame (and its delay).
        let mut f = gif::Frame::from_indexed_pixels(1, 1, vec![transparent], Some(transparent));
        f.dispose = gif::DisposalMethod::Keep;
        return f;
    }
    let mut pixels = Vec::with_capacity((x1 - x0) * (y1 - y0));
    for y in y0..y1 {
        for x in x0..x1 {
            let i = y * wu + x;
            pixels.push(if prev[i] == cur[i] {
                transparent
            } else {
                cur[i]
            });
        }
    }
    let mut f = gif::Frame::from_indexed_pixels(
        (x1 - x0) as u16,
        (y1 - y0) as u16,
        pixels,
        Some(transparent),
    );
    (f.left, f.top) = (x0 as u16, y0 as u16);
    f.dispose = gif::DisposalMethod::Keep;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_frames_cover_only_the_change() {
        let prev = vec![0u8; 20];
        let mut cur = prev.clone();
        cur[7] = 3; // x = 2, y = 1 in a 5 x 4 frame
        cur[13] = 4; // x = 3, y = 2
        let f = delta_frame(Some(&prev), &cur, (5, 4), 9);
        assert_eq!((f.left, f.top, f.width, f.height), (2, 1, 2, 2));
        assert_eq!(&f.buffer[..], &[3, 9, 9, 4]);
        let same = delta_frame(Some(&prev), &prev, (5, 4), 9);
        assert_eq!((same.width, same.height, same.transparent), (1, 1, Some(9)));
    }
}
