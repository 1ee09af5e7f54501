// Layout and ceph.conf for the single-node dev cluster (one mon, one BlueStore OSD,
// one radosgw), everything under dataDir and bound to 127.0.0.1.
import { join } from "node:path";

export const MON_ID = "a";
export const OSD_ID = 0;
export const RGW_NAME = "client.rgw.a";

/** Sparse, so only written blocks take disk space. */
export const BLOCK_SIZE_BYTES = 16 * 1024 ** 3;

export interface CephPaths {
  dataDir: string;
  conf: string;
  state: string;
  monmap: string;
  monData: string;
  osdData: string;
  osdBlock: string;
  rgwData: string;
  runDir: string;
  logDir: string;
  pid: { mon: string; osd: string; rgw: string };
  log: { mon: string; osd: string; rgw: string };
  stderr: { mon: string; osd: string; rgw: string };
}

export function cephPaths(dataDir: string): CephPaths {
  const runDir = join(dataDir, "run");
  const logDir = join(dataDir, "log");
  return {
    dataDir,
    conf: join(dataDir, "ceph.conf"),
    state: join(dataDir, "cluster.json"),
    monmap: join(dataDir, "monmap"),
    monData: join(dataDir, "mon", `ceph-${MON_ID}`),
    osdData: join(dataDir, "osd", `ceph-${OSD_ID}`),
    // bluestore_block_path must not live inside osd_data: mkfs refuses a pre-existing
    // "block" entry there that is not a symlink it made itself.
    osdBlock: join(dataDir, "block", `osd-${OSD_ID}.block`),
    rgwData: join(dataDir, "rgw", "ceph-rgw.a"),
    runDir,
    logDir,
    pid: { mon: join(runDir, "mon.pid"), osd: join(runDir, "osd.pid"), rgw: join(runDir, "rgw.pid") },
    // Ceph's own log_file ($cluster-$name.log) ...
    log: {
      mon: join(logDir, `ceph-mon.${MON_ID}.log`),
      osd: join(logDir, `ceph-osd.${OSD_ID}.log`),
      rgw: join(logDir, `ceph-${RGW_NAME}.log`),
    },
    // ... and the daemons' stderr (run with -f), where startup failures end up.
    stderr: { mon: join(logDir, "mon.stderr.log"), osd: join(logDir, "osd.stderr.log"), rgw: join(logDir, "rgw.stderr.log") },
  };
}

export interface CephConfInput {
  fsid: string;
  monPort: number;
  rgwPort: number;
  paths: CephPaths;
}

export function renderCephConf({ fsid, monPort, rgwPort, paths: p }: CephConfInput): string {
  const conf: Record<string, Record<string, string | number | boolean>> = {
    global: {
      fsid,
      mon_initial_members: MON_ID,
      // v2 (msgr2) only: no second listener on 6789, one port to check for clashes.
      mon_host: `v2:127.0.0.1:${monPort}`,
      ms_bind_msgr1: false,
      ms_bind_msgr2: true,
      ms_bind_ipv6: false,
      public_addr: "127.0.0.1",
      cluster_addr: "127.0.0.1",
      auth_cluster_required: "none",
      auth_service_required: "none",
      auth_client_required: "none",
      // With cephx off, msgr2 "secure" mode cannot be negotiated; radosgw and the CLI
      // then fail to reach the mon unless every side agrees on crc.
      ms_mon_client_mode: "crc",
      ms_client_mode: "crc",
      ms_mon_cluster_mode: "crc",
      ms_cluster_mode: "crc",
      ms_mon_service_mode: "crc",
      ms_service_mode: "crc",
      // No keyring exists; an empty path stops every client from probing /etc/ceph.
      keyring: "",
      run_dir: p.runDir,
      admin_socket: "$run_dir/$cluster-$name.asok",
      log_file: `${p.logDir}/$cluster-$name.log`,
      log_to_stderr: false,
      err_to_stderr: true,
      mon_cluster_log_file: `${p.logDir}/$cluster.log`,
      // Single OSD: replicas of 1, tiny PG counts, no autoscaler (there is no mgr).
      osd_pool_default_size: 1,
      osd_pool_default_min_size: 1,
      osd_pool_default_pg_num: 8,
      osd_pool_default_pgp_num: 8,
      osd_pool_default_pg_autoscale_mode: "off",
      osd_crush_chooseleaf_type: 0,
      mon_allow_pool_size_one: true,
      mon_warn_on_pool_no_redundancy: false,
    },
    mon: {
      mon_data: `${p.dataDir}/mon/$cluster-$id`,
      // Defaults are 30 % / 5 % free; dev disks are routinely fuller than 70 %, and a
      // mon at "crit" shuts itself down.
      mon_data_avail_warn: 5,
      mon_data_avail_crit: 1,
      mon_allow_pool_delete: true,
    },
    osd: {
      osd_data: `${p.dataDir}/osd/$cluster-$id`,
      osd_objectstore: "bluestore",
      bluestore_block_path: p.osdBlock,
      bluestore_block_create: true,
      bluestore_block_size: BLOCK_SIZE_BYTES,
      bluestore_block_db_create: false,
      bluestore_block_wal_create: false,
      osd_memory_target: 1024 ** 3,
      // 2-core dev machines: fewer op shards/threads than the SSD defaults (8 shards x 2).
      osd_op_num_shards: 2,
      osd_op_num_threads_per_shard: 2,
      // The "full" ratios apply to the 16 GiB block file, not the host disk.
      osd_crush_update_on_start: true,
    },
    [RGW_NAME]: {
      rgw_frontends: `beast endpoint=127.0.0.1:${rgwPort}`,
      rgw_data: `${p.dataDir}/rgw/$cluster-$id`,
      rgw_thread_pool_size: 64,
      rgw_dynamic_resharding: false,
      // Path-style only; no rgw_dns_name so any Host header is a plain endpoint.
      rgw_enable_apis: "s3, s3website, admin, sts, iam, notifications",
      // The app's topic is persistent (pushed from a background queue, retried), but a
      // non-persistent topic (some tests) is pushed inline, so the client's PUT waits for the
      // webhook. A webhook that accepts but never answers would hold that PUT, or the
      // persistent queue's push thread, and rgw's shutdown, for the default 300 s; abort a
      // push after 10 s of no progress (the persistent queue tries again).
      rgw_curl_low_speed_time: 10,
      // Deleted objects' data is reclaimed by rgw's garbage collector, by default no sooner
      // than 2 h later. Benchmarks and tests write gigabytes into a 16 GiB store; reclaim
      // within minutes so it does not fill up (a full OSD stops every write).
      rgw_gc_obj_min_wait: 60,
      rgw_gc_processor_period: 60,
      rgw_gc_processor_max_time: 60,
    },
  };
  let out = "# Generated by dev/stack/ceph-config.ts; rewritten on every start.\n";
  for (const [section, kv] of Object.entries(conf)) {
    out += `\n[${section}]\n`;
    for (const [k, v] of Object.entries(kv)) out += `${k} = ${typeof v === "boolean" ? String(v) : v}\n`;
  }
  return out;
}
