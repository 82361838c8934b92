//! Distillation: the mean logits of teacher models (an ensemble of trained ones), run on the
//! very inputs the student was fed, become part of the student's class targets
//! ([`super::loss`]).

use super::bptt::layer_forward;
use super::workspace::Workspace;
use crate::gemm;
use altus_core::harmony::features::OUTPUTS;
use altus_core::harmony::model::HarmonyModel;
use altus_core::nn::layout;
use std::sync::Arc;

/// Teachers and one thread's buffers for them.
pub struct Teach {
    models: Arc<Vec<HarmonyModel>>,
    ws: Vec<Workspace>,
    /// Mean teacher logits per step and row.
    logits: Vec<f32>,
    /// Weight of the teachers' distribution in the class target.
    weight: f32,
}

impl Teach {
    /// Buffers for `models` and batches of `rows × steps`; `weight` in 0–1.
    pub fn new(models: Arc<Vec<HarmonyModel>>, rows: usize, steps: usize, weight: f32) -> Self {
        let ws = models
            .iter()
            .map(|m| Workspace::new(m, rows, steps))
            .collect();
        Teach {
            models,
            ws,
            logits: vec![0.0; rows * steps * OUTPUTS],
            weight,
        }
    }

    /// The teachers' mean logits on the inputs of the student's last forward (`student`), and
    /// their weight.
    pub(super) fn logits_on(&mut self, student: &Workspace) -> (&[f32], f32) {
        self.logits.fill(0.0);
        let share = 1.0 / self.models.len() as f32;
        for (m, ws) in self.models.iter().zip(&mut self.ws) {
            ws.active.copy_from_slice(&student.active);
            ws.nact.copy_from_slice(&student.nact);
            let (rows, steps, hd) = (ws.rows, ws.steps, m.config.hidden);
            for t in 0..steps {
                for l in 0..m.cells.len() {
                    layer_forward(m, ws, l, t);
                }
            }
            layout::unpack_into(&m.head.w, hd, OUTPUTS, &mut ws.head_w);
            ws.logits
                .chunks_mut(OUTPUTS)
                .for_each(|row| row.copy_from_slice(&m.head.b));
            let top = m.cells.len() - 1;
            let n = rows * steps;
            gemm::mm_acc(
                &ws.h[top][rows * hd..],
                &ws.head_w,
                &mut ws.logits,
                n,
                hd,
                OUTPUTS,
            );
            self.logits
                .iter_mut()
                .zip(&ws.logits)
                .for_each(|(a, l)| *a += share * l);
        }
        (&self.logits, self.weight)
    }
}
