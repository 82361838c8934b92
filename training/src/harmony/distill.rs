//! Distillation: the mean logits of teacher models (an ensemble of trained ones), run on the
//! very inputs the student was fed, become part of the student's class targets
//! ([`super::loss`]).

use super::bptt::{head_all_steps, layer_forward};
use super::workspace::Workspace;
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
        // A teacher's weights never change: its head is laid out row-major once.
        let ws = models
            .iter()
            .map(|m| {
                let mut ws = Workspace::new(m, rows, steps);
                layout::unpack_into(&m.head.w, m.config.hidden, OUTPUTS, &mut ws.head_w);
                ws
            })
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
            for t in 0..ws.steps {
                for l in 0..m.cells.len() {
                    layer_forward(m, ws, l, t);
                }
            }
            head_all_steps(m, ws);
            self.logits
                .iter_mut()
                .zip(&ws.logits)
                .for_each(|(a, l)| *a += share * l);
        }
        (&self.logits, self.weight)
    }
}
