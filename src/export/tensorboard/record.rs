//! TFRecord framing and its checksum, CRC-32C (Castagnoli).
//!
//! A TFRecord file is a sequence of records, each framed as
//! `u64le length | u32le masked_crc32c(length bytes) | data | u32le masked_crc32c(data)`.
//! TensorBoard's event files are TFRecord files whose records are serialized `Event` protos.

use std::io::{self, Write};

/// The reflected CRC-32C polynomial (Castagnoli, 0x1EDC6F41 bit-reversed).
const POLY: u32 = 0x82F6_3B78;

/// The byte-at-a-time lookup table, built at compile time.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// The constant TFRecord adds to a rotated CRC ("masking"), so that a CRC stored inside data
/// that is itself checksummed does not weaken the outer checksum.
const MASK_DELTA: u32 = 0xA282_EAD8;

/// CRC-32C of `data` (initial value and final xor `0xFFFFFFFF`, reflected).
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &b| {
        (crc >> 8) ^ TABLE[usize::from((crc as u8) ^ b)]
    })
}

/// The masked CRC-32C that TFRecord stores: `((crc >> 15) | (crc << 17)) + 0xa282ead8`.
pub(crate) fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Writes one framed record holding `data`.
pub(crate) fn write_record<W: Write>(w: &mut W, data: &[u8]) -> io::Result<()> {
    let len = (data.len() as u64).to_le_bytes();
    w.write_all(&len)?;
    w.write_all(&masked_crc32c(&len).to_le_bytes())?;
    w.write_all(data)?;
    w.write_all(&masked_crc32c(data).to_le_bytes())
}

/// Splits a TFRecord byte stream into its records, checking both CRCs (test reader).
#[cfg(test)]
pub(crate) fn read_records(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 12 {
            return Err(format!("truncated header: {} bytes", bytes.len()));
        }
        if u32_at(bytes, 8) != masked_crc32c(&bytes[..8]) {
            return Err("bad length crc".into());
        }
        let len = usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
        if bytes.len() < 12 + len + 4 {
            return Err("truncated record".into());
        }
        let data = &bytes[12..12 + len];
        if u32_at(bytes, 12 + len) != masked_crc32c(data) {
            return Err("bad data crc".into());
        }
        out.push(data.to_vec());
        bytes = &bytes[16 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_values() {
        // The standard check value (RFC 3720 / the CRC catalogue) and iSCSI test vectors.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(crc32c(&ascending), 0x46DD_794E);
    }

    #[test]
    fn masked_form() {
        // By hand: 0xE3069283 >> 15 = 0x0001C60D, its low 15 bits 0x1283 << 17 = 0x25060000,
        // so rotr(crc, 15) = 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5 (mod 2^32).
        assert_eq!(0xE306_9283u32.rotate_right(15), 0x2507_C60D);
        assert_eq!(masked_crc32c(b"123456789"), 0xC78A_B0E5);
        // The formula as TensorFlow writes it, with wrapping arithmetic.
        let crc = crc32c(b"brain.Event:2");
        #[allow(clippy::manual_rotate)] // spelled out as in TensorFlow, on purpose
        let expected = ((crc >> 15) | (crc << 17)).wrapping_add(0xA282_EAD8);
        assert_eq!(masked_crc32c(b"brain.Event:2"), expected);
    }

    #[test]
    fn record_framing_round_trips() {
        let mut buf = Vec::new();
        write_record(&mut buf, b"abc").unwrap();
        write_record(&mut buf, b"").unwrap();
        assert_eq!(buf.len(), (16 + 3) + 16);
        assert_eq!(&buf[..8], &3u64.to_le_bytes());
        assert_eq!(&buf[12..15], b"abc");
        assert_eq!(
            read_records(&buf).unwrap(),
            vec![b"abc".to_vec(), Vec::new()]
        );
        // A flipped data byte is caught by the data CRC.
        buf[13] ^= 1;
        assert_eq!(read_records(&buf).unwrap_err(), "bad data crc");
    }
}
