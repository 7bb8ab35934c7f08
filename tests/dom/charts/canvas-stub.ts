/**
 * happy-dom has no canvas rendering: `canvas.getContext('2d')` returns null and `Path2D` does not exist, and uPlot
 * draws through both. This stubs the *browser's* canvas for DOM tests (the code under test is untouched): a 2D
 * context whose drawing calls do nothing and record nothing, and a Path2D that accepts path commands. What the
 * tests check is the chart's data, scales and legend, not pixels (the e2e tests look at real charts).
 */
const noop = (): void => undefined;

class Path2DStub {
  addPath = noop;
  moveTo = noop;
  lineTo = noop;
  rect = noop;
  arc = noop;
  closePath = noop;
  bezierCurveTo = noop;
  quadraticCurveTo = noop;
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = {
    canvas,
    font: '10px sans-serif',
    fillStyle: '#000',
    strokeStyle: '#000',
    lineWidth: 1,
    lineCap: 'butt',
    lineJoin: 'miter',
    globalAlpha: 1,
    textAlign: 'start',
    textBaseline: 'alphabetic',
    save: noop,
    restore: noop,
    beginPath: noop,
    closePath: noop,
    moveTo: noop,
    lineTo: noop,
    rect: noop,
    arc: noop,
    clip: noop,
    fill: noop,
    stroke: noop,
    fillRect: noop,
    strokeRect: noop,
    clearRect: noop,
    fillText: noop,
    strokeText: noop,
    translate: noop,
    rotate: noop,
    scale: noop,
    setTransform: noop,
    resetTransform: noop,
    setLineDash: noop,
    getLineDash: () => [],
    measureText: (text: string) => ({ width: text.length * 6 }),
  };
  return ctx as unknown as CanvasRenderingContext2D;
}

export function installCanvasStub(): void {
  const g = globalThis as unknown as { Path2D?: unknown };
  if (typeof g.Path2D !== 'function') g.Path2D = Path2DStub;
  const proto = HTMLCanvasElement.prototype as unknown as { getContext: (kind: string) => unknown; __stubbed?: boolean };
  if (proto.__stubbed) return;
  const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();
  proto.getContext = function (this: HTMLCanvasElement, kind: string) {
    if (kind !== '2d') return null;
    let ctx = contexts.get(this);
    if (!ctx) contexts.set(this, (ctx = context2d(this)));
    return ctx;
  };
  proto.__stubbed = true;
}

installCanvasStub();
