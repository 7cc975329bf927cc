import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A process and all its descendants (a server such as Pushpin runs as several processes). */
function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").split(" ")) if (task.trim()) pids.push(Number(task));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function sumOver(pid: number, read: (pid: number) => number): number {
  return tree(pid).reduce((sum, p) => {
    try {
      return sum + read(p);
    } catch {
      return sum; // gone meanwhile
    }
  }, 0);
}

/** CPU seconds (user + system) a process and its descendants have used so far. */
export function cpuSeconds(pid: number): number {
  return sumOver(pid, (p) => {
    const stat = readFileSync(`/proc/${p}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  });
}

/** Resident memory of a process and its descendants, in bytes. */
export function rssBytes(pid: number): number {
  return sumOver(pid, (p) => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  });
}

/** CPU seconds the whole machine has spent busy (not idle or waiting) and in all, over all cores. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, ticks) => sum + ticks, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}
