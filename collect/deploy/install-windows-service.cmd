@echo off
rem Install kvmfit collect as a Windows service (Windows Server 2012 and
rem later; run as Administrator). See docs/collector.md.
rem Copy kvmfit.exe (make dist: dist/kvmfit-windows-amd64.exe) to
rem C:\Program Files\kvmfit\kvmfit.exe first.
rem
rem kvmfit is not a native Windows service program: sc.exe needs a service
rem wrapper. Without one, use the scheduled task below (recommended): it
rem starts at boot as LOCAL SERVICE, which has no administrator rights.

set KVMFIT=C:\Program Files\kvmfit\kvmfit.exe
set DATA=C:\ProgramData\kvmfit

if not exist "%DATA%" mkdir "%DATA%"
icacls "%DATA%" /grant "NT AUTHORITY\LOCAL SERVICE:(OI)(CI)M" >nul

schtasks /Create /TN "kvmfit collect" /RU "NT AUTHORITY\LOCAL SERVICE" /SC ONSTART /RL LIMITED /F ^
  /TR "\"%KVMFIT%\" collect --out \"%DATA%\" --interval 60s --sample 5s --max-bytes 100MB"
schtasks /Run /TN "kvmfit collect"
echo Samples go to %DATA%\<host name>\ ; stop with: schtasks /End /TN "kvmfit collect"
