package samples

import (
	"math"
	"time"
)

// mb is a decimal megabyte: workload levels are written in MB/s.
const mb = 1e6

// clock is where an interval falls in the calendar. All times are UTC: the
// fleet's "local" office hours are modelled directly on the UTC clock.
type clock struct {
	// h is the hour of day at the middle of the interval, in [0, 24).
	h float64
	// days is the time since GenerateOptions.Start in days.
	days    float64
	weekday time.Weekday
	// workday is Monday to Friday (no public holidays are modelled).
	workday bool
	// monthEnd is true on the last two workdays of a month.
	monthEnd bool
}

// level is the expected value of every metric during one interval; the
// sub-samples scatter around it.
type level struct {
	cpuPct       float64 // % of all logical CPUs
	memBytes     float64
	rdBps, wrBps float64 // disk bytes per second
	rdBlk, wrBlk float64 // mean IO size in bytes: IOPS = bytes/s ÷ size
	rxBps, txBps float64
	// ioNoise is the burstiness of disk IO inside the interval (a mean-one
	// log-normal); sustained streams are smoother.
	ioNoise *noiseTable
}

// isMonthEndWorkday reports whether the date is one of the last two workdays
// (Mon–Fri) of its month.
func isMonthEndWorkday(t time.Time) bool {
	if !isWorkday(t.Weekday()) {
		return false
	}
	y, m, d := t.Date()
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	later := 0
	for dd := d + 1; dd <= last; dd++ {
		if isWorkday(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Weekday()) {
			later++
		}
	}
	return later < 2
}

func isWorkday(w time.Weekday) bool { return w != time.Saturday && w != time.Sunday }

// weekend returns f on Saturdays and Sundays and 1 on workdays: how much of
// its workday load an archetype keeps at the weekend.
func (c *clock) weekend(f float64) float64 {
	if c.workday {
		return 1
	}
	return f
}

// activity scales the archetype's variable workload: the current activity
// factor (the day's factor × the short-term load) times the server's load,
// times its load after waking (1 unless it sleeps: see Changes).
func (s *server) activity() float64 { return s.act * s.p.load * s.ch.wakeLoad }

// ramp rises smoothly (smoothstep) from 0 at hour a to 1 at hour b.
func ramp(h, a, b float64) float64 {
	if h <= a {
		return 0
	}
	if h >= b {
		return 1
	}
	x := (h - a) / (b - a)
	return x * x * (3 - 2*x)
}

// bump is a Gaussian bump of height 1 centred on hour c with width w hours,
// on the 24-hour circle.
func bump(h, c, w float64) float64 {
	d := math.Mod(h-c+36, 24) - 12
	return math.Exp(-0.5 * d * d / (w * w))
}

// window is 1 from hour a to hour b (b < a wraps past midnight), with
// 10-minute ramps inside the window's edges, and 0 outside.
func window(h, a, b float64) float64 {
	const edge = 1.0 / 6
	if b < a {
		b += 24
		if h < a {
			h += 24
		}
	}
	return ramp(h, a, a+edge) * (1 - ramp(h, b-edge, b))
}

// office is the office-hours shape: 0 at night, 1 from about 09:00 to 17:00
// with a lunch dip, ramps 07:30–09:00 and 17:00–18:30.
func office(h float64) float64 {
	return ramp(h, 7.5, 9) * (1 - ramp(h, 17, 18.5)) * (1 - 0.3*bump(h, 12.5, 0.4))
}

// fileLevel: file/print server. Light CPU in office hours, disk reads served
// to clients as network transmit, Windows' default shadow copies at 07:00 and
// 12:00, and the nightly incremental backup reading for an hour from 22:30.
func fileLevel(s *server, c *clock) level {
	o := office(c.h-s.p.shift) * c.weekend(0.1)
	a := s.activity()
	vss := bump(c.h, 7, 0.15) + bump(c.h, 12, 0.15)
	bk := window(c.h, 22.5, 23.75)
	rd := s.p.io * (0.3 + 9*o*a + 4*vss + 8*bk) * mb
	wr := s.p.io * (0.1 + 2.5*o*a + 1.5*vss) * mb
	return level{
		cpuPct:   1.2 + 5*o*a + 1.5*vss + 1.5*bk,
		memBytes: s.memTotal * (s.p.memFrac + 0.01*o),
		rdBps:    rd,
		wrBps:    wr,
		rdBlk:    32 << 10,
		wrBlk:    16 << 10,
		rxBps:    s.p.net*0.05*mb + wr,
		txBps:    s.p.net*0.05*mb + 0.9*rd,
		ioNoise:  ioBursty,
	}
}

// mailLevel: mail server. Business hours with the morning peak when everyone
// reads their mail, and the mail store's online maintenance 01:00–05:00.
func mailLevel(s *server, c *clock) level {
	h := c.h - s.p.shift
	o, m := office(h), bump(h, 9, 0.8)
	a := s.activity() * c.weekend(0.25)
	maint := window(c.h, 1, 5)
	return level{
		cpuPct:   2.5 + (6*o+9*m)*a + 3*maint,
		memBytes: s.memTotal * s.p.memFrac,
		rdBps:    s.p.io * (0.5 + (5*o+6*m)*a + 12*maint) * mb,
		wrBps:    s.p.io * (0.8 + (3*o+3*m)*a + 2*maint) * mb,
		rdBlk:    32 << 10,
		wrBlk:    8 << 10,
		rxBps:    s.p.net * (0.2 + (2.5*o+3*m)*a) * mb,
		txBps:    s.p.net * (0.2 + (3*o+4*m)*a) * mb,
		ioNoise:  ioModerate,
	}
}

// sqlLevel: SQL database. Moderate daytime load, the nightly batch 01:00–03:00
// at 60–90 % CPU with heavy disk IO, a full database backup to the backup
// server 03:00–03:40, and twice the daytime load on the last two workdays of
// the month. The buffer pool keeps memory steady and high.
func sqlLevel(s *server, c *clock) level {
	o := office(c.h - s.p.shift)
	wk := c.weekend(0.3)
	me := 1.0
	if c.monthEnd {
		me = 2
	}
	a := s.activity() * wk * me
	// bh is the hour on the batch's clock: Changes can move it later.
	bh := c.h - s.batchShift(c)
	batch := window(bh, 1, 3)
	dump := window(bh, 3, 3+2.0/3)
	// The batch runs in stages: load (IO-heavy), transform (CPU-heavy),
	// index rebuild.
	stage := 0.9 + 0.1*math.Sin((bh-1)*math.Pi*1.5)
	batchCPU := 100 * s.day.batch * stage
	day := 3 + 11*o*a
	return level{
		cpuPct:   (1-batch)*day + batch*batchCPU + 4*dump,
		memBytes: s.memTotal * s.p.memFrac,
		rdBps:    s.p.io * ((1-batch)*(2+15*o*a) + batch*110*(2-stage) + 150*dump) * mb,
		wrBps:    s.p.io * ((1-batch)*(1+4*o*a) + batch*60) * mb,
		rdBlk:    64 << 10,
		wrBlk:    64 << 10,
		rxBps:    s.p.net * (0.5 + 2*o*a + 12*batch) * mb,
		txBps:    s.p.net*(1+5*o*a)*mb + 110*dump*mb,
		ioNoise:  ioSteady,
	}
}

// webLevel: web front end. Traffic rises through the day and peaks in the
// early evening (19:00); weekends keep 80 %. Transmit-heavy network, light
// disk (logs), low memory that grows a little with load; one server leaks.
func webLevel(s *server, c *clock) level {
	h := c.h - s.p.shift
	traffic := (0.1 + 0.5*ramp(h, 6.5, 10)*(1-ramp(h, 22, 24)) + 0.5*bump(h, 19, 2)) / 1.1 * c.weekend(0.8)
	a := s.activity() * traffic
	mem := s.p.memFrac + 0.03*traffic
	if s.p.memGrowthPerDay > 0 {
		mem *= math.Pow(1+s.p.memGrowthPerDay, c.days)
	}
	tx := s.p.net * 28 * a * mb
	return level{
		cpuPct:   1.5 + 14*a,
		memBytes: s.memTotal * math.Min(mem, 0.92),
		rdBps:    s.p.io * (0.2 + 0.8*a) * mb,
		wrBps:    s.p.io * (0.3 + 0.6*a) * mb,
		rdBlk:    4 << 10,
		wrBlk:    8 << 10,
		rxBps:    0.05*mb + 0.12*tx,
		txBps:    0.05*mb + tx,
		ioNoise:  ioBursty,
	}
}

// backupLevel: backup server. Clients send their data 22:00–05:00 (more on
// Friday and Saturday nights: full backups); the server compresses it to disk,
// then copies the night's data to tape 05:00–07:00. Days are quiet.
func backupLevel(s *server, c *clock) level {
	night := window(c.h, 22, 5)
	// The night that started yesterday evening uses yesterday's intensity.
	bn := s.day.night
	if c.h < 12 {
		bn = s.day.prevNight
	}
	tape := window(c.h, 5, 7)
	a := s.activity()
	rx := s.p.net * 170 * bn * a * night * mb
	return level{
		cpuPct:   2 + (12+10*bn)*night*a + 8*tape,
		memBytes: s.memTotal * s.p.memFrac,
		rdBps:    s.p.io * (1 + 140*tape) * mb,
		wrBps:    s.p.io*2*mb + 0.75*rx,
		rdBlk:    256 << 10,
		wrBlk:    256 << 10,
		rxBps:    0.1*mb + rx,
		txBps:    0.1*mb + 0.02*rx,
		ioNoise:  ioSmooth,
	}
}

// dcLevel: domain controller. Near idle; logons bump it around 08:15.
func dcLevel(s *server, c *clock) level {
	h := c.h - s.p.shift
	o, logon := office(h), bump(h, 8.25, 0.5)
	a := s.activity() * c.weekend(0.3)
	return level{
		cpuPct:   1 + (0.8*o+1.2*logon)*a,
		memBytes: s.memTotal * s.p.memFrac,
		rdBps:    s.p.io * (0.05 + 0.3*o*a) * mb,
		wrBps:    s.p.io * (0.1 + 0.2*o*a) * mb,
		rdBlk:    4 << 10,
		wrBlk:    8 << 10,
		rxBps:    s.p.net * (0.05 + 0.3*(o+logon)*a) * mb,
		txBps:    s.p.net * (0.06 + 0.36*(o+logon)*a) * mb,
		ioNoise:  ioSpiky,
	}
}
