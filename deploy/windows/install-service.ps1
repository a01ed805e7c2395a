# Installs crm-api as a Windows service with NSSM (https://nssm.cc), which
# restarts it on failure and stops it with Ctrl+C (the server drains its
# in-flight requests and closes the database on it).
# Run in an elevated PowerShell after copying crm-api.exe, run-crm-api.cmd and crm-api-admin.cmd
# to C:\Program Files\crm-api and filling in run-crm-api.cmd.
# PowerShell's default execution policy blocks downloaded scripts; allow this
# window only:  Set-ExecutionPolicy -Scope Process -ExecutionPolicy Bypass
# (and Unblock-File .\install-service.ps1 if it came from the internet).
$ErrorActionPreference = 'Stop'
$dir = 'C:\Program Files\crm-api'
$data = 'C:\ProgramData\crm-api'
New-Item -ItemType Directory -Force -Path $data | Out-Null
# Only SYSTEM and Administrators may read the data directory and the start script.
icacls $data /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
icacls "$dir\run-crm-api.cmd" /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' | Out-Null

nssm install crm-api "$env:ComSpec" "/c `"$dir\run-crm-api.cmd`""
nssm set crm-api AppDirectory $data
nssm set crm-api DisplayName 'CRM API'
nssm set crm-api Start SERVICE_AUTO_START
nssm set crm-api AppStdout "$data\crm-api.log"
nssm set crm-api AppStderr "$data\crm-api.log"
nssm set crm-api AppRotateFiles 1
nssm set crm-api AppRotateBytes 10485760
# Ctrl+C first and wait for the drain (25 s) before anything harsher.
nssm set crm-api AppStopMethodConsole 30000
nssm set crm-api AppExit Default Restart
nssm start crm-api
