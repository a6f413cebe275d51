package model

// ServerAnalysis is what the model says about one server beyond its demand:
// data confidence, saturation, CPU normalisation, growth and right-sizing.
// It is written into plan.json under server_details[].analysis.
type ServerAnalysis struct{}

// FleetAnalysis is what the model says about the fleet as a whole, such as
// the coincidence factor of the peaks. It is written into plan.json as fleet.
type FleetAnalysis struct{}

// HostAnalysis is what the model says about the servers placed together on
// one host, such as their coincidence factor. It is written into plan.json
// under hosts[].analysis.
type HostAnalysis struct{}
