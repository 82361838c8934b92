//! The few vector kernels every layer shares, written so the compiler vectorises them.

/// `out = bias + Σ_j w[j, :]` over the active rows `j` of the row-major `w` (`rows × out.len()`).
#[inline]
pub fn gather_rows(w: &[f32], bias: &[f32], active: &[u16], out: &mut [f32]) {
    let n = out.len();
    out.copy_from_slice(bias);
    for &j in active {
        let row = &w[j as usize * n..(j as usize + 1) * n];
        for (o, r) in out.iter_mut().zip(row) {
            *o += r;
        }
    }
}

/// `out += x · w` with row-major `w` (`x.len() × out.len()`): one contiguous axpy per input.
#[inline]
pub fn vec_mat_acc(x: &[f32], w: &[f32], out: &mut [f32]) {
    let n = out.len();
    for (k, &xk) in x.iter().enumerate() {
        if xk == 0.0 {
            continue;
        }
        let row = &w[k * n..(k + 1) * n];
        for (o, r) in out.iter_mut().zip(row) {
            *o += xk * r;
        }
    }
}

/// The logistic function.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Numerically stable log-softmax in place; returns nothing, `v` holds log-probabilities.
pub fn log_softmax(v: &mut [f32]) {
    let m = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s: f32 = v.iter().map(|x| (x - m).exp()).sum();
    let l = m + s.ln();
    v.iter_mut().for_each(|x| *x -= l);
}
