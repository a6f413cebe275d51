// Package samples generates kvmfit's bundled sample fleet and carries the
// candidate host catalog.
//
// # The generator
//
// Generate writes a deterministic, synthetic dataset (dataset.Create)
// of legacy physical servers, in the format the importers write: one
// inventory.json and one samples.parquet per server, with the mean and the max
// of every metric over each interval. It models what the field tells us
// about office estates:
//
//   - daily cycles on the UTC clock (office hours Monday to Friday
//     08:00–18:00, a web evening peak, night batches and backups) that peak
//     at different times of day, so the time-aligned sum is well below the
//     sum of the peaks;
//   - weekly cycles (office workloads drop at weekends), month-end peaks
//     (the last two workdays of each month), day-to-day variation (a
//     log-normal day factor, sigma 0.1) and short-term variation (an AR(1)
//     process in log space, coefficient 0.9, sigma 0.15);
//   - CPU averages under 10 % for most servers with occasional 20–60 s
//     spikes to 92–100 % inside an interval, so an interval's max is far
//     above its mean;
//   - memory as the steady resource: a fixed share of RAM in use per
//     server, except one server whose use grows by 1.2 % a day (a leak);
//     it drifts around that level as memory does (an AR(1) from reading to
//     reading, coefficient 0.99, standard deviation 0.2 % of the level)
//     instead of jumping at every reading.
//
// Each interval of Step is simulated as SubSamples collector readings (20
// readings of 15 s in a 5-minute interval by default). A reading is the
// interval's workload level times a mean-one log-normal factor (sigma 0.35
// for CPU and network, 0.35–0.8 for disk IO by archetype); IOPS are bytes/s
// divided by the archetype's mean IO size. The interval's mean and max are
// taken over the readings, so mean ≤ max always holds. Values come at the
// resolution the usual collectors report: CPU percent and IOPS to 0.01
// (sar, mpstat, iostat), memory means in whole KiB (/proc/meminfo, sar's
// kbmemused) and its readings in whole 4 KiB pages, byte rates and byte
// counts in whole bytes.
//
// # Archetypes
//
// The first servers of every fleet are, in order, one of each archetype
// (Archetypes); further servers are drawn by weight. Each archetype has a
// set of plausible 2008–2016 hardware configurations (Xeon E5450 to
// E5-2630 v4, 8–128 GiB, Windows Server 2008 R2–2016, RHEL 5–7, CentOS 6):
//
//   - file (fs01…): file/print server, office hours, CPU 2–10 %, moderate
//     disk reads served as network transmit, Windows shadow copies at 07:00
//     and 12:00, memory ~60 %.
//   - web (web01…): web front end, traffic peaking at 19:00, network-heavy,
//     memory ~30 %; web01 leaks memory (~1.2 %/day) and says so in Notes.
//   - sql (sql01…): database, nightly batch 01:00–03:00 at 60–90 % CPU with
//     heavy disk, a database dump at 03:00, moderate days, doubled daytime
//     load on the last two workdays of the month, buffer pool ~90 % of RAM.
//   - mail (mail01…): business hours with a 09:00 morning peak, store
//     maintenance 01:00–05:00, memory ~85 %.
//   - dc (dc01…): domain controller, 1–3 % CPU, logon bump at 08:15, small
//     memory.
//   - backup (bkp01…): disk writes and network receive 22:00–05:00, full
//     backups on Friday and Saturday nights, copy to tape 05:00–07:00,
//     quiet days.
//
// CPU calibration scores (Inventory.CPUScorePerCore, 1000 = one 2.6 GHz
// Xeon E5-2650 v2 core) follow the generation: E5450 ≈ 700, E5-2650 v2 ≈
// 1000, E5-2630 v4 ≈ 1150, ±3 % per server. Servers on RHEL 5/6 and
// CentOS 6 have no score (kernels before 3.2 run the POSIX-shell collector,
// which does not calibrate), which exercises the planner's MHz fallback.
//
// # Storage
//
// Each server's disks carry the local filesystems an installer and an
// administrator of the time would have laid out (Inventory.Filesystems):
// on Linux /boot, / and /var on sda (the rest of its volume group left for
// swap and growth) and /data (/backup on a backup server) on each further
// disk; on Windows C: and D: on a single disk, else C: on the first and D:,
// E:, ... on the others. Their sizes sum to less than the disks'. The data
// filesystems (the further disks; /var or D: on a one-disk server) are
// 50–85 % full on file and backup servers, 20–50 % on web servers, 40–70 %
// on SQL and mail servers, 5–25 % on domain controllers; / is 20–45 %, /var
// 10–35 %, C: 35–65 %.
//
// The inventory is taken at Start (Inventory.UpdatedAt) and holds the used
// bytes at that moment. The fs_used_bytes metric (all the filesystems'
// used bytes, summed) starts there: the first reading of the first
// interval is taken at Start and equals the inventory's used bytes, and the
// readings after it move by archetype:
//
//   - backup: the backup window (22:00–05:00) writes 6–12 % of the used
//     bytes a week, 35 % of it on each of the Friday and Saturday nights
//     (full backups); on Sunday at 12:00 the expired backups are deleted,
//     which frees the week's writes less the net growth, 0.3–0.7 % of the
//     used bytes a day;
//   - web: the logs grow with the traffic (07:00–23:00, 0.5–2.5 GB a day)
//     and rotate daily, at 03:24 on Linux and 01:00 on Windows: a sawtooth
//     on a site that grows 0.01–0.05 % a day;
//   - file: users save 0.05–0.2 % a day in office hours, Monday to Friday;
//   - mail: mail arrives in office hours and the 02:00 maintenance frees
//     half of it: 0.1–0.25 % a day net;
//   - sql: the databases grow 0.1–0.3 % a day; dc: 0.002–0.01 % a day;
//   - the system filesystems grow 0.005–0.02 % a day, /boot not at all.
//
// Each day's writes are scaled by a day factor (log-normal, mean 1). A
// filesystem fills to 97 % of its size at most and stays there, so
// fs_used_bytes never exceeds the filesystems' size.
//
// # Fleets that change
//
// GenerateOptions.Changes (off by default; `kvmfit samples generate
// --changing` turns on the ChangingFleet preset) makes the fleet change over
// time, to test plans that must hold next month without real traces:
//
//   - sleepers (Changes.Sleepers, a share of the servers other than domain
//     controllers; preset 15 %): idle from Start for SleepDays (preset
//     20–45 days, drawn per server): CPU 0.3–0.8 %, 60–90 % of their normal
//     memory, almost no disk or network; then busy with their archetype's
//     workload, its variable load scaled by a factor drawn from WakeLoad
//     (preset 1–2.5; 1 = the archetype's normal load);
//   - moving batches (Changes.BatchShifters, a share of the SQL servers;
//     preset 50 %): after BatchShiftDays (preset 30) the nightly batch
//     (01:00–03:00, with its dump) runs BatchShiftHours later (preset 3–18
//     whole hours, drawn per server, at most 20 so that it stays before
//     midnight); half of them, drawn, move at once, the others drift one
//     hour later a day until they get there;
//   - month-end peaks (Changes.MonthEnd, a share of the file and web
//     servers; preset 40 %): on the last two workdays (Mon–Fri, UTC) of each
//     month their CPU, disk and network from 08:00 to 20:00 UTC are
//     MonthEndLoad (preset 2) times the usual. SQL servers have their own
//     month-end peak in every fleet.
//
// Each changed server's inventory notes say what changes and when, for
// example "changes: nightly batch moves 15 h later from 2026-08-01 00:00
// UTC: 01:00 → 16:00 UTC": the ground truth a backtest can be checked
// against. CountChanges counts the changed servers without generating.
//
// # Determinism
//
// Server i draws everything from its own generator,
// rand.NewPCG(Seed, stream(i)), and nothing reads the wall clock or
// iterates a map, so the same options give the same bytes, and a larger
// fleet with the same seed extends a smaller one server by server. Its
// changes come from a second generator of its own,
// rand.NewPCG(Seed, changeStream(i)), which draws the same numbers whatever
// the options: turning changes on leaves every server's archetype, hardware
// and noise as they were, so a changing fleet is the plain fleet except on
// the days its changes touch, and raising a share only adds servers. Its
// storage comes from a third generator, rand.NewPCG(Seed,
// storageStream(i)): the filesystems change no other metric (every column
// but fs_used_bytes and every inventory field but filesystems are those of
// the generator before it had storage), do not depend on the changes, and
// more Days only adds days at the end.
// Servers are written by one worker per CPU; the order of work does not
// change the output.
//
// # Host catalog
//
// hosts.yaml (embedded as HostsYAML) is the bundled catalog of candidate
// 2024 KVM host models (model.Catalog): a 1U single-socket 16-core 256 GiB
// box, a 2U dual-socket 2×24-core 768 GiB, a 2U dual-socket 2×32-core
// 1.5 TiB high-memory model and a 1U dual-socket SAN-attached model, with
// EUR prices, typical watts and the source of every figure in its comments.
package samples
