//! The harmony model's weight file (kind `harmony`), on the shared codec
//! ([`crate::nn::safetensors`]).
//!
//! Tensors, for each layer `l` of cell kind `K` (`lstm`, `gru`, `rnn`):
//! `K.weight_ih_l{l}` (gates × input), `K.weight_hh_l{l}` (gates × hidden), `K.bias_ih_l{l}`,
//! `K.bias_hh_l{l}` (gates); gate order i, f, g, o (LSTM) and r, z, n (GRU), as in PyTorch.
//! Then `head.weight` (outputs × hidden) and `head.bias`; for a model whose voices see each
//! other within a step (every [`Order`](super::model::Order) but independent), `cond.weight`
//! (voices × classes, outputs: [`HarmonyModel::cond`]). All `F32`.
//! Metadata key `altus` holds [`WeightsMeta`] as JSON.
//!
//! Loading checks everything and names what is wrong: the file, the tensor, the expected and the
//! actual shape, the format and feature-spec versions.

use super::features::{CLASSES, FEATURE_VERSION, INPUTS, OUTPUTS, VOICES};
use super::leading::Leading;
use super::model::{HarmonyModel, ModelConfig, Order};
use crate::nn::Cell;
use crate::nn::aligned::Aligned;
use crate::nn::layout;
use crate::nn::math::transpose;
use crate::nn::safetensors::{check_shape, decode_meta, encode, read, tensor};
use crate::{Error, Result};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use crate::nn::safetensors::{FORMAT_VERSION, MAX_WEIGHT};

/// What a weight file says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightsMeta {
    /// Weight-file layout version ([`FORMAT_VERSION`]).
    pub format: u32,
    /// Feature-spec version the model was trained with.
    pub feature_version: u32,
    /// What the file holds (`"harmony"`; not checked).
    pub kind: String,
    /// Model shape.
    pub config: ModelConfig,
    /// Its voice-leading preferences ([`HarmonyModel::leading`]; none in older files). Written
    /// from the model, whatever the caller put here.
    #[serde(default)]
    pub leading: Leading,
    /// Free-form: training data, settings, validation metrics.
    #[serde(default)]
    pub info: serde_json::Value,
}

/// Encodes a model and its metadata.
pub fn to_bytes(model: &HarmonyModel, meta: &WeightsMeta) -> Result<Vec<u8>> {
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let k = model.config.cell.name();
    for (l, cell) in model.cells.iter().enumerate() {
        let (gates, input, hidden) = (cell.gates(), cell.input(), cell.hidden());
        let (w_ih, b_ih) = cell.input_weights();
        let (w_hh, b_hh) = match cell {
            Cell::Lstm(x) => (&x.w_hh, vec![0.0; gates]),
            Cell::Gru(x) => (&x.w_hh, x.b_hh.clone()),
            Cell::Rnn(x) => (&x.w_hh, vec![0.0; gates]),
        };
        tensors.push((
            format!("{k}.weight_ih_l{l}"),
            vec![gates, input],
            transpose(w_ih, input, gates),
        ));
        tensors.push((
            format!("{k}.weight_hh_l{l}"),
            vec![gates, hidden],
            layout::unpack_transposed(w_hh, hidden, gates),
        ));
        tensors.push((format!("{k}.bias_ih_l{l}"), vec![gates], b_ih.to_vec()));
        tensors.push((format!("{k}.bias_hh_l{l}"), vec![gates], b_hh));
    }
    let h = &model.head;
    tensors.push((
        "head.weight".into(),
        vec![h.output, h.input],
        layout::unpack_transposed(&h.w, h.input, h.output),
    ));
    tensors.push(("head.bias".into(), vec![h.output], h.b.clone()));
    if !model.cond.is_empty() {
        tensors.push((
            "cond.weight".into(),
            vec![VOICES * CLASSES, OUTPUTS],
            model.cond.clone(),
        ));
    }
    let meta = WeightsMeta {
        leading: model.leading,
        ..meta.clone()
    };
    encode(tensors, &meta)
}

/// Writes a weight file atomically.
pub fn save(path: &Path, model: &HarmonyModel, meta: &WeightsMeta) -> Result<()> {
    crate::fsutil::write_atomic(path, &to_bytes(model, meta)?)
}

/// Reads and validates a weight file.
pub fn load(path: &Path) -> Result<(HarmonyModel, WeightsMeta)> {
    from_bytes(&read(path)?).map_err(|e| Error::Model(format!("{}: {e}", path.display())))
}

/// Reads the metadata only.
pub(crate) fn read_meta(bytes: &[u8]) -> Result<WeightsMeta> {
    let meta: WeightsMeta = decode_meta(bytes)?;
    if meta.kind != "harmony" {
        return Err(Error::Model(format!(
            "a {:?} weight file, not a harmony model",
            meta.kind
        )));
    }
    if meta.format != FORMAT_VERSION {
        return Err(Error::Model(format!(
            "weight-file format {} is not supported (this build reads {FORMAT_VERSION})",
            meta.format
        )));
    }
    Ok(meta)
}

/// Largest hidden size a weight file may declare.
pub const MAX_HIDDEN: usize = 512;
/// Decodes and validates a harmony model.
pub fn from_bytes(bytes: &[u8]) -> Result<(HarmonyModel, WeightsMeta)> {
    let meta = read_meta(bytes)?;
    if meta.feature_version != FEATURE_VERSION {
        return Err(Error::Model(format!(
            "model was trained for feature spec {} but this build uses {FEATURE_VERSION}",
            meta.feature_version
        )));
    }
    let c = meta.config;
    if !(1..=2).contains(&c.layers) || !(1..=MAX_HIDDEN).contains(&c.hidden) {
        return Err(Error::Model(format!(
            "unsupported model shape: {} layer(s) of {} (at most 2 of {MAX_HIDDEN})",
            c.layers, c.hidden
        )));
    }
    let st = crate::nn::safetensors::open(bytes)?;
    // Every name and shape is checked before anything is allocated for it.
    for (name, shape) in expected(c) {
        check_shape(&st, &name, &shape)?;
    }
    let mut model = HarmonyModel::zeros(c);
    for (l, cell) in model.cells.iter_mut().enumerate() {
        read_cell(&st, c.cell.name(), l, cell)?;
    }
    let h = c.hidden;
    let head = transpose(&tensor(&st, "head.weight", &[OUTPUTS, h])?, OUTPUTS, h);
    model.head.w = layout::pack(&head, h, OUTPUTS);
    model.head.b = tensor(&st, "head.bias", &[OUTPUTS])?;
    if !model.cond.is_empty() {
        model.cond = tensor(&st, "cond.weight", &[VOICES * CLASSES, OUTPUTS])?;
    }
    model.leading = checked_leading(meta.leading)?;
    debug_assert_eq!(model.cells[0].input(), INPUTS);
    // The engine reads half-size copies where the CPU can ([`HarmonyModel::use_half`]).
    model.use_half();
    Ok((model, meta))
}

/// Refuses voice-leading weights that are not finite or beyond ±[`MAX_WEIGHT`].
fn checked_leading(l: Leading) -> Result<Leading> {
    if l.weights().all(|w| w.is_finite() && w.abs() <= MAX_WEIGHT) {
        Ok(l)
    } else {
        Err(Error::Model(format!(
            "voice-leading weights out of range: {l:?}"
        )))
    }
}

/// The tensors a model of this shape has, with their PyTorch shapes.
fn expected(c: ModelConfig) -> Vec<(String, Vec<usize>)> {
    let k = c.cell.name();
    let gates = c.cell.gates() * c.hidden;
    let mut out = Vec::new();
    for l in 0..c.layers {
        let input = if l == 0 { INPUTS } else { c.hidden };
        out.push((format!("{k}.weight_ih_l{l}"), vec![gates, input]));
        out.push((format!("{k}.weight_hh_l{l}"), vec![gates, c.hidden]));
        out.push((format!("{k}.bias_ih_l{l}"), vec![gates]));
        out.push((format!("{k}.bias_hh_l{l}"), vec![gates]));
    }
    out.push(("head.weight".into(), vec![OUTPUTS, c.hidden]));
    out.push(("head.bias".into(), vec![OUTPUTS]));
    if c.order != Order::Independent {
        out.push(("cond.weight".into(), vec![VOICES * CLASSES, OUTPUTS]));
    }
    out
}

/// Layer `l`'s weights into `cell` (shapes checked already): transposed to our layout, the
/// two biases summed where the cell adds them anyway.
fn read_cell(st: &SafeTensors, k: &str, l: usize, cell: &mut Cell) -> Result<()> {
    let (gates, input, hidden) = (cell.gates(), cell.input(), cell.hidden());
    let w_ih = Aligned::from_slice(&transpose(
        &tensor(st, &format!("{k}.weight_ih_l{l}"), &[gates, input])?,
        gates,
        input,
    ));
    let w_hh = layout::pack(
        &transpose(
            &tensor(st, &format!("{k}.weight_hh_l{l}"), &[gates, hidden])?,
            gates,
            hidden,
        ),
        hidden,
        gates,
    );
    let b_ih = tensor(st, &format!("{k}.bias_ih_l{l}"), &[gates])?;
    let b_hh = tensor(st, &format!("{k}.bias_hh_l{l}"), &[gates])?;
    let summed: Vec<f32> = b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect();
    match cell {
        Cell::Lstm(x) => (x.w_ih, x.w_hh, x.b_ih) = (w_ih, w_hh, summed),
        Cell::Gru(x) => (x.w_ih, x.w_hh, x.b_ih, x.b_hh) = (w_ih, w_hh, b_ih, b_hh),
        Cell::Rnn(x) => (x.w_ih, x.w_hh, x.b_ih) = (w_ih, w_hh, summed),
    }
    Ok(())
}
