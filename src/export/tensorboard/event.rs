//! The `Event` and `Summary` protobuf messages TensorBoard reads, hand-encoded.
//!
//! Only the fields embedscope writes are encoded (field numbers from TensorFlow's
//! `tensorflow/core/util/event.proto` and `tensorflow/core/framework/summary.proto`):
//!
//! ```text
//! Event         { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//! Summary       { repeated Summary.Value value = 1; }
//! Summary.Value { string tag = 1; oneof value { float simple_value = 2; ... } }
//! ```
//!
//! A few dozen lines of wire-format encoding replace prost and its build script. The output is
//! canonical proto3: a zero `step` is left out (it decodes as 0), `simple_value` is always
//! written (it is a `oneof` member, so presence matters).

/// What an [`Event`] carries besides its time and step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Payload<'a> {
    /// The first event of every file: `file_version: "brain.Event:2"`.
    FileVersion(&'a str),
    /// One scalar: `summary { value { tag, simple_value } }`.
    Scalar {
        /// The scalar's tag, e.g. `train/loss`.
        tag: &'a str,
        /// Its value at this step.
        value: f32,
    },
}

/// One `Event` record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Event<'a> {
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    /// The global step (0 is not written, as in proto3).
    pub step: i64,
    /// The file version or the scalar.
    pub payload: Payload<'a>,
}

/// The file version TensorBoard expects in the first record of an event file.
pub(crate) const FILE_VERSION: &str = "brain.Event:2";

/// Protobuf wire types.
const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

impl Event<'_> {
    /// Serializes the event in the protobuf wire format.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        key(&mut out, 1, FIXED64);
        out.extend_from_slice(&self.wall_time.to_le_bytes());
        if self.step != 0 {
            key(&mut out, 2, VARINT);
            // int64 is encoded as the two's-complement u64 (10 bytes when negative).
            varint(&mut out, self.step as u64);
        }
        match self.payload {
            Payload::FileVersion(version) => bytes_field(&mut out, 3, version.as_bytes()),
            Payload::Scalar { tag, value } => {
                let mut val = Vec::with_capacity(tag.len() + 8);
                bytes_field(&mut val, 1, tag.as_bytes());
                key(&mut val, 2, FIXED32);
                val.extend_from_slice(&value.to_le_bytes());
                let mut summary = Vec::with_capacity(val.len() + 2);
                bytes_field(&mut summary, 1, &val);
                bytes_field(&mut out, 5, &summary);
            }
        }
        out
    }
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    varint(out, u64::from(field << 3 | u32::from(wire_type)));
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, LEN);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_version_event_bytes() {
        // 0x09 = field 1 (wall_time), wire type 1 (fixed64); 1.5f64 = 0x3FF8000000000000 LE.
        // Step 0 is omitted. 0x1A = field 3 (file_version), wire type 2; 0x0D = 13 bytes.
        let mut expected = vec![0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x1A, 0x0D];
        expected.extend_from_slice(b"brain.Event:2");
        let event = Event {
            wall_time: 1.5,
            step: 0,
            payload: Payload::FileVersion(FILE_VERSION),
        };
        assert_eq!(event.encode(), expected);
    }

    #[test]
    fn scalar_event_bytes() {
        // Event { wall_time: 1.5, step: 300, summary { value { tag: "a", simple_value: 2.0 } } }
        //   09 00 00 00 00 00 00 F8 3F   wall_time (field 1, fixed64) = 1.5
        //   10 AC 02                     step (field 2, varint) = 300 = 0b10_0101100
        //   2A 0A                        summary (field 5, len 10)
        //     0A 08                      value (field 1, len 8)
        //       0A 01 61                 tag (field 1, len 1) = "a"
        //       15 00 00 00 40           simple_value (field 2, fixed32) = 2.0f32 = 0x40000000
        let expected = [
            0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x10, 0xAC, 0x02, 0x2A, 0x0A, 0x0A, 0x08, 0x0A,
            0x01, b'a', 0x15, 0, 0, 0, 0x40,
        ];
        let event = Event {
            wall_time: 1.5,
            step: 300,
            payload: Payload::Scalar {
                tag: "a",
                value: 2.0,
            },
        };
        assert_eq!(event.encode(), expected);
    }

    #[test]
    fn negative_step_is_ten_byte_varint() {
        let event = Event {
            wall_time: 0.0,
            step: -1,
            payload: Payload::FileVersion(""),
        };
        let bytes = event.encode();
        // wall_time (9 bytes), then 0x10 and nine 0xFF bytes followed by 0x01.
        assert_eq!(bytes[9], 0x10);
        assert_eq!(&bytes[10..19], &[0xFF; 9]);
        assert_eq!(bytes[19], 0x01);
    }

    #[test]
    fn long_tag_uses_multibyte_lengths() {
        let tag = "t".repeat(200);
        let bytes = Event {
            wall_time: 0.0,
            step: 1,
            payload: Payload::Scalar {
                tag: &tag,
                value: 0.0,
            },
        }
        .encode();
        // value = 3 (key + 2-byte len 200) + 200 + 5 = 208 bytes; summary = 1 + 2 + 208 = 211.
        assert_eq!(&bytes[11..14], &[0x2A, 0xD3, 0x01]);
        assert_eq!(&bytes[14..17], &[0x0A, 0xD0, 0x01]);
        assert_eq!(&bytes[17..20], &[0x0A, 0xC8, 0x01]);
        assert_eq!(bytes.len(), 14 + 211);
    }
}
