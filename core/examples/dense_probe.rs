use altus_core::nn::{Cell, PackedDense};
fn time(name: &str, mut f: impl FnMut()) {
    for _ in 0..20000 {
        f();
    }
    let t = std::time::Instant::now();
    let n = 400_000;
    for _ in 0..n {
        f();
    }
    println!(
        "{name:<12} {:.0} ns",
        t.elapsed().as_nanos() as f64 / n as f64
    );
}
altus_core::multiversion!(fn pw(g: &mut [f32], c: &mut [f32], h: &mut [f32]) => pw_impl);
#[inline(always)]
fn pw_impl(g: &mut [f32], c: &mut [f32], h: &mut [f32]) {
    altus_core::nn::lstm::lstm_pointwise(g, c, h)
}
altus_core::multiversion!(fn hd(head: &PackedDense, h: &[f32], out: &mut [f32]) => hd_impl);
#[inline(always)]
fn hd_impl(head: &PackedDense, h: &[f32], out: &mut [f32]) {
    head.forward(None, h, out)
}
fn main() {
    let hidden: usize = std::env::args().nth(1).map_or(64, |s| s.parse().unwrap());
    let mut rng = altus_core::rng::Rng::new(3);
    let mut fill = |w: &mut [f32]| {
        w.iter_mut()
            .for_each(|v| *v = (rng.next_f32() * 2.0 - 1.0) * 0.1)
    };
    let mut cell = Cell::Lstm(altus_core::nn::Lstm::zeros(100, hidden));
    if let Cell::Lstm(l) = &mut cell {
        fill(&mut l.w_ih);
        fill(&mut l.w_hh);
        fill(&mut l.b_ih);
    }
    let mut head = PackedDense::zeros(hidden, 34);
    fill(&mut head.w);
    let gates = cell.gates();
    let mut proj = vec![0.1f32; gates];
    let (mut h, mut cs) = (vec![0f32; hidden], vec![0f32; hidden]);
    let mut out = [0f32; 34];
    time("pointwise", || {
        proj.fill(0.1);
        pw(&mut proj, &mut cs, &mut h)
    });
    time("head", || hd(&head, std::hint::black_box(&h), &mut out));
}
