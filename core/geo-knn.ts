// Exact best-first k-nearest search on the sphere over a KDBush kd-tree, without allocating per query.
//
// Why not geokdbush's `around`: it allocates a queue node per tree node visited and can only rank by
// distance. Dispatch ranks by ETA (a station's own mobilisation time + drive time over the distance), so
// the search here is keyed by a caller-given monotone cost: for a tree node the key is a lower bound of the
// cost of anything inside it (cost of the least possible fixed part + the great-circle distance from the
// query point to the node's lon/lat box), for an item its exact cost. Popping the smallest key first
// therefore yields items in exact cost order, and a search stops as soon as it has what it wants: one pass,
// no widening. Once `want` items are queued, anything that cannot beat the want-th of them is not queued
// at all. All working memory (the binary heap of pending nodes and items, the items as unit vectors) is
// typed arrays allocated once per tree: a query allocates nothing per node or item it looks at.
import type KDBush from 'kdbush';
import { driveMinutes, EARTH_RADIUS_KM, greatCircleKm, type EtaModel } from './eta.ts';

const RAD = Math.PI / 180;
const KM_PER_DEG = EARTH_RADIUS_KM * RAD;
const TWO_R = 2 * EARTH_RADIUS_KM;

/**
 * Smallest great-circle distance (km) from a point to a lon/lat box (no antimeridian crossing), the box
 * given as `[minLon, minLat, maxLon, maxLat]` at `at` in `boxes`.
 */
export function boxDistanceKm(lat: number, lon: number, boxes: Float64Array, at: number): number {
  const minLon = boxes[at]!;
  const minLat = boxes[at + 1]!;
  const maxLon = boxes[at + 2]!;
  const maxLat = boxes[at + 3]!;
  if (lon >= minLon && lon <= maxLon) {
    // Same meridian band: the nearest point is straight north or south.
    if (lat < minLat) return (minLat - lat) * KM_PER_DEG;
    if (lat > maxLat) return (lat - maxLat) * KM_PER_DEG;
    return 0;
  }
  // Along a parallel the distance grows with the longitude difference, so the nearest point lies on the
  // edge meridian with the smaller longitude difference (going either way round the globe).
  const east = (minLon - lon + 360) % 360;
  const west = (lon - maxLon + 360) % 360;
  const edgeLon = east <= west ? minLon : maxLon;
  const dLon = Math.min(east, west);
  if (dLon < 90) {
    // Along a meridian closer than 90°, the distance has one minimum, at this latitude: clamp it to the edge.
    const vertex = Math.atan(Math.tan(lat * RAD) / Math.cos(dLon * RAD)) / RAD;
    return greatCircleKm(lat, lon, Math.min(maxLat, Math.max(minLat, vertex)), edgeLon);
  }
  return Math.min(greatCircleKm(lat, lon, minLat, edgeLon), greatCircleKm(lat, lon, maxLat, edgeLon));
}

/**
 * What a search ranks by. Without `eta`: great-circle km. With it: minutes, `fixed[id]` (e.g. a station's
 * mobilisation time) + `driveMinutes(km, eta.model)`; `minFixed` is the least of `fixed`, which makes the
 * bound of a tree node. Distances come from a chord formula that agrees with greatCircleKm to ~1e-11 km;
 * callers that need greatCircleKm's exact value recompute it for the few results.
 */
export interface KnnCost {
  /** May the item with this original index count at all? */
  readonly accept: (id: number) => boolean;
  readonly eta?: { readonly model: EtaModel; readonly fixed: Float64Array; readonly minFixed: number };
}

/**
 * Called once per result in non-decreasing cost order; returns the largest cost still wanted (Infinity:
 * go on; the current cost once enough are found, to collect exact ties only; -Infinity: stop).
 */
export type KnnVisit = (id: number, km: number, cost: number) => number;

export interface GeoKnn {
  /**
   * Visits accepted items within `maxKm` in non-decreasing cost order while their cost is at most what
   * `visit` last returned. `want`: how many results the caller will take at most (ties at the last cost
   * included); items that cannot be among them are skipped early. Not re-entrant (the working memory is shared): do not search from inside `visit`.
   */
  search(lat: number, lon: number, maxKm: number, cost: KnnCost, want: number, visit: KnnVisit): void;
}

/**
 * Rounding guard: a box bound is made this much (1 mm) smaller, far more than the float error of either
 * distance formula at any distance on Earth (~1e-11 km), so it never over-estimates an item's distance.
 */
const SLACK_KM = 1e-6;
/** Searches for more results than this do not prune (they are rare: a list of stations to show, say). */
const MAX_PRUNED_WANT = 64;

function toUnit(lat: number, lon: number, out: Float64Array, at: number): void {
  const cl = Math.cos(lat * RAD);
  out[at] = cl * Math.cos(lon * RAD);
  out[at + 1] = cl * Math.sin(lon * RAD);
  out[at + 2] = Math.sin(lat * RAD);
}

/** Marks an item slot (`right` of a node slot is the last position of its range). */
const EXACT = -1;

export function createGeoKnn(tree: KDBush): GeoKnn {
  const n = tree.numItems;
  const nodeSize = tree.nodeSize;
  const ids = tree.ids;
  const coords = tree.coords;
  // Heap entries live in slots; the heap itself orders slot numbers by key. A query pushes each tree node
  // and each item at most once: at most n items, n inner nodes (each holds its median item) and n + 1
  // leaves.
  const capacity = 3 * n + 2;
  // Each item as a unit vector, in tree order: its great-circle distance to the query point is then
  // 2R·asin(chord / 2) from a 3-D chord length, one transcendental function instead of haversine's four.
  const unit = new Float64Array(3 * n);
  for (let pos = 0; pos < n; pos++) toUnit(coords[2 * pos + 1]!, coords[2 * pos]!, unit, 3 * pos);
  // The `want` least exact costs queued so far (sorted): the want-th is an upper bound of the answer's
  // last cost, so anything whose cost or bound exceeds it is never queued.
  const best = new Float64Array(MAX_PRUNED_WANT);
  const q = new Float64Array(3);
  const key = new Float64Array(capacity);
  const left = new Int32Array(capacity); // node: first position; item: its position in the tree arrays
  const right = new Int32Array(capacity); // node: last position; item: EXACT
  const axis = new Uint8Array(capacity);
  const km = new Float64Array(capacity); // item: its distance; node: lower bound of its distance
  const box = new Float64Array(capacity * 4); // node: minLon, minLat, maxLon, maxLat
  const heap = new Int32Array(capacity);
  let size = 0;
  let slots = 0;

  function push(slot: number): void {
    let i = size++;
    const k = key[slot]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (key[p]! <= k) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  function pop(): number {
    const top = heap[0]!;
    const last = heap[--size]!;
    if (size > 0) {
      const k = key[last]!;
      let i = 0;
      const half = size >> 1;
      while (i < half) {
        let child = 2 * i + 1;
        const r = child + 1;
        if (r < size && key[heap[r]!]! < key[heap[child]!]!) child = r;
        if (key[heap[child]!]! >= k) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  return {
    search(lat, lon, maxKm, cost, want, visit) {
      if (n === 0) return;
      // One function with the item and node steps written out: doubles passed through calls that V8 does
      // not inline are boxed on the heap, and this loop runs a few hundred steps per query.
      const accept = cost.accept;
      const model = cost.eta?.model;
      const fixed = cost.eta?.fixed;
      const minFixed = cost.eta?.minFixed ?? 0;
      size = 0;
      slots = 0;
      toUnit(lat, lon, q, 0);
      const qx = q[0]!;
      const qy = q[1]!;
      const qz = q[2]!;
      const pruneAt = want >= 1 && want <= MAX_PRUNED_WANT ? want - 1 : -1;
      let found = 0;
      let kth = Infinity;
      key[0] = model ? minFixed : 0;
      km[0] = 0;
      left[0] = 0;
      right[0] = n - 1;
      axis[0] = 0;
      box[0] = -180;
      box[1] = -90;
      box[2] = 180;
      box[3] = 90;
      slots = 1;
      push(0);
      let ceiling = Infinity;
      while (size > 0 && key[heap[0]!]! <= ceiling) {
        const s = pop();
        const from = left[s]!;
        const to = right[s]!;
        if (to === EXACT) {
          ceiling = visit(ids[from]!, km[s]!, key[s]!);
          continue;
        }
        const leaf = to - from <= nodeSize;
        const m = (from + to) >> 1;
        // Items: every item of a leaf, or the median item of an inner node.
        for (let pos = leaf ? from : m, last = leaf ? to : m; pos <= last; pos++) {
          const id = ids[pos]!;
          if (!accept(id)) continue;
          const dx = unit[3 * pos]! - qx;
          const dy = unit[3 * pos + 1]! - qy;
          const dz = unit[3 * pos + 2]! - qz;
          const d = TWO_R * Math.asin(Math.min(1, Math.sqrt(dx * dx + dy * dy + dz * dz) / 2));
          if (d > maxKm) continue;
          const k = model ? fixed![id]! + driveMinutes(d, model) : d;
          if (k > kth) continue;
          if (pruneAt >= 0) {
            // Insert k into the sorted `best`, keeping want of them.
            let i = found < want ? found++ : pruneAt;
            while (i > 0 && best[i - 1]! > k) {
              best[i] = best[i - 1]!;
              i--;
            }
            best[i] = k;
            if (found === want) kth = best[pruneAt]!;
          }
          const t = slots++;
          key[t] = k;
          left[t] = pos;
          right[t] = EXACT;
          km[t] = d;
          push(t);
        }
        if (leaf) continue;
        // Children: the parent's box cut at the median item's coordinate, on alternating axes.
        const ax = axis[s]!;
        const cut = coords[2 * m + ax]!;
        for (let c = 0; c < 2; c++) {
          const cFrom = c === 0 ? from : m + 1;
          const cTo = c === 0 ? m - 1 : to;
          if (cFrom > cTo) continue;
          const minLon = ax === 0 && c === 1 ? cut : box[4 * s]!;
          const minLat = ax === 1 && c === 1 ? cut : box[4 * s + 1]!;
          const maxLon = ax === 0 && c === 0 ? cut : box[4 * s + 2]!;
          const maxLat = ax === 1 && c === 0 ? cut : box[4 * s + 3]!;
          if (kth < Infinity) {
            // The latitude gap alone is a lower bound of the distance: often enough to skip the node.
            const gap = (lat < minLat ? minLat - lat : lat > maxLat ? lat - maxLat : 0) * KM_PER_DEG - SLACK_KM;
            if (gap > 0 && (model ? minFixed + driveMinutes(gap, model) : gap) > kth) continue;
          }
          const t = slots;
          box[4 * t] = minLon;
          box[4 * t + 1] = minLat;
          box[4 * t + 2] = maxLon;
          box[4 * t + 3] = maxLat;
          const d = boxDistanceKm(lat, lon, box, 4 * t) - SLACK_KM;
          if (d > maxKm) continue;
          const lower = d > 0 ? d : 0;
          const k = model ? minFixed + driveMinutes(lower, model) : lower;
          if (k > kth) continue;
          slots++;
          key[t] = k;
          km[t] = lower;
          left[t] = cFrom;
          right[t] = cTo;
          axis[t] = 1 - ax;
          push(t);
        }
      }
    },
  };
}
