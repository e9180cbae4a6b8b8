//! The gRPC codec of the generated clients and servers: prost's encoding, with each message
//! decoded from one contiguous slice.
//!
//! tonic hands a decoder the message as a [`DecodeBuf`], a window on the connection's
//! buffer. prost reads through the [`Buf`] trait, so decoding from it pays the buffer's
//! bookkeeping for every varint and field: for the gateway's component trees, about a third
//! of the whole decode. The message is already one contiguous region of that buffer, so this
//! codec takes it out as [`Bytes`] (no copy) and decodes from the plain slice instead. The
//! messages, and the errors for malformed ones (`INTERNAL`, as prost's codec answers), are
//! the same.

use std::marker::PhantomData;

use prost::bytes::{Buf, Bytes};
use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::Status;
use tonic_prost::ProstEncoder;

/// prost's codec, decoding each message from one contiguous slice (see the module).
#[derive(Debug, Clone)]
pub struct SliceCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for SliceCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T, U> Codec for SliceCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = SliceDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        SliceDecoder(PhantomData)
    }
}

/// Decodes a `U` from the message's bytes as one slice.
#[derive(Debug, Clone)]
pub struct SliceDecoder<U>(PhantomData<U>);

impl<U: Message + Default> Decoder for SliceDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        decode_whole(buf).map(Some)
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// Decodes all of `buf` as one `U`, from a contiguous slice of it. A malformed message is an
/// `INTERNAL` status, as prost's own codec answers.
fn decode_whole<U: Message + Default>(buf: &mut impl Buf) -> Result<U, Status> {
    let message: Bytes = buf.copy_to_bytes(buf.remaining());
    U::decode(message.as_ref()).map_err(|error| Status::internal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{card_result, CardComponents, CardResult, GetCardsRequest, GetCardsResponse, NoData};
    use prost::bytes::BytesMut;

    /// Decodes `message` from a buffer that holds it and then the start of another, as the
    /// connection's buffer does.
    fn round_trip<M: Message + Default>(message: &M) -> M {
        let mut bytes = BytesMut::from(&message.encode_to_vec()[..]);
        bytes.extend_from_slice(b"the next message");
        let decoded = decode_whole(&mut (&mut bytes).take(message.encoded_len())).unwrap();
        assert_eq!(&bytes[..], b"the next message", "the decoder took exactly its message");
        decoded
    }

    #[test]
    fn decodes_what_prost_encodes() {
        let request = GetCardsRequest { card_keys: vec!["usage".into(), "plan".into()], ..Default::default() };
        assert_eq!(round_trip(&request), request);
        let result = |key: &str, outcome| CardResult { key: key.into(), time_to_live_seconds: Some(30), outcome };
        let components = card_result::Outcome::Components(CardComponents { components: Vec::new() });
        let response = GetCardsResponse {
            results: vec![
                result("usage", Some(components)),
                result("plan", Some(card_result::Outcome::NoData(NoData {}))),
            ],
        };
        assert_eq!(round_trip(&response), response);
        assert_eq!(round_trip(&GetCardsResponse::default()), GetCardsResponse::default());
    }

    #[test]
    fn a_malformed_message_is_internal() {
        // A length-delimited field (tag 1, wire type 2) that claims 100 bytes and has 1.
        let mut bytes = BytesMut::from(&[0x0a, 100, 1][..]);
        let status = decode_whole::<GetCardsRequest>(&mut bytes).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(status.message().contains("buffer underflow"), "{}", status.message());
    }
}
