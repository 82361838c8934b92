//! The safetensors codec every weight file shares (alto and four-voice models, key classifier,
//! melody autoencoder): F32 tensors with PyTorch-style names and layouts, JSON metadata under the
//! key `altus`, and the checks that name what is wrong (tensor, expected and actual shape,
//! non-finite or absurd values). Nothing musical.

use crate::{Error, Result};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Version of the weight-file layout.
pub const FORMAT_VERSION: u32 = 1;

/// Largest magnitude a weight may have. Trained models stay below 10; with every weight under
/// this bound, no state or logit of any supported shape can overflow (|h| ≤ 1 for every cell).
pub const MAX_WEIGHT: f32 = 1e4;

/// Encodes F32 tensors `(name, shape, values)` with `meta` as the `altus` metadata (JSON).
pub fn encode<M: Serialize>(
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
    meta: &M,
) -> Result<Vec<u8>> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .into_iter()
        .map(|(n, s, v)| (n, s, v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| {
            Ok((
                n.clone(),
                TensorView::new(Dtype::F32, s.clone(), b)
                    .map_err(|e| Error::Model(e.to_string()))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let json = serde_json::to_string(meta).map_err(|e| Error::Model(e.to_string()))?;
    safetensors::serialize(views, Some(HashMap::from([("altus".to_string(), json)])))
        .map_err(|e| Error::Model(e.to_string()))
}

/// The `altus` metadata of a weight file, parsed.
pub fn decode_meta<M: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<M> {
    let (_, md) = SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::Model(format!("not a safetensors file ({e})")))?;
    let json = md
        .metadata()
        .as_ref()
        .and_then(|m| m.get("altus"))
        .ok_or_else(|| Error::Model("no Altus metadata (not an Altus weight file)".into()))?;
    serde_json::from_str(json).map_err(|e| Error::Model(format!("unreadable Altus metadata: {e}")))
}

/// The tensors of a weight file (their data is checked later, tensor by tensor).
pub fn open(bytes: &[u8]) -> Result<SafeTensors<'_>> {
    SafeTensors::deserialize(bytes).map_err(|e| Error::Model(format!("corrupt tensors ({e})")))
}

/// Reads a weight file (a regular file of at most [`crate::fsutil::MAX_WEIGHT_FILE_BYTES`]),
/// naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    use crate::fsutil::{MAX_WEIGHT_FILE_BYTES, read_capped};
    read_capped(path, MAX_WEIGHT_FILE_BYTES, "weight file")
        .map_err(|e| Error::Model(format!("{}: {e}", path.display())))
}

/// A tensor of that name exists, is F32 and has exactly this shape (no data copied).
pub fn check_shape(st: &SafeTensors, name: &str, shape: &[usize]) -> Result<()> {
    let t = st
        .tensor(name)
        .map_err(|_| Error::Model(format!("tensor {name} is missing")))?;
    if t.dtype() != Dtype::F32 {
        return Err(Error::Model(format!(
            "tensor {name} is {:?}, expected F32",
            t.dtype()
        )));
    }
    if t.shape() != shape {
        return Err(Error::Model(format!(
            "tensor {name} has shape {:?}, expected {shape:?}",
            t.shape()
        )));
    }
    Ok(())
}

/// One F32 tensor of exactly the expected shape, every value finite and within
/// ±[`MAX_WEIGHT`].
pub fn tensor(st: &SafeTensors, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    check_shape(st, name, shape)?;
    let t = st
        .tensor(name)
        .map_err(|_| Error::Model(format!("tensor {name} is missing")))?;
    let v: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
        return Err(Error::Model(format!(
            "tensor {name} contains {bad} (NaN or infinity)"
        )));
    }
    if let Some(big) = v.iter().find(|x| x.abs() > MAX_WEIGHT) {
        return Err(Error::Model(format!(
            "tensor {name} contains {big:e}, beyond ±{MAX_WEIGHT:e}: not a trained model"
        )));
    }
    Ok(v)
}
