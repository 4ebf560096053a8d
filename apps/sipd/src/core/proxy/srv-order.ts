// RFC 2782 target selection as an ordered list: lowest priority first; within one priority, a
// weighted random order (records of weight 0 get a small chance, as the RFC's running-sum rule
// gives them when they sort first).
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) {
    const group = byPriority.get(r.priority);
    if (group) group.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    // RFC 2782: weight-0 records first, then the running-sum draw until the group is empty.
    const pool = [...byPriority.get(priority)!].sort((a, b) => a.weight - b.weight);
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      const draw = Math.min(total, Math.floor(random() * (total + 1)));
      let sum = 0;
      let pick = pool.length - 1;
      for (let i = 0; i < pool.length; i++) {
        sum += pool[i]!.weight;
        if (sum >= draw) {
          pick = i;
          break;
        }
      }
      out.push(pool[pick]!);
      pool.splice(pick, 1);
    }
  }
  return out;
}
