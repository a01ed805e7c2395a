@echo off
rem Runs a crm-api command (user create, user set-role, backup, check, migrate)
rem with the service's configuration from run-crm-api.cmd, so it works on the
rem service's database in C:\ProgramData\crm-api and not on a .\data folder
rem beside wherever the prompt happens to be. Run it from an elevated prompt:
rem   crm-api-admin.cmd user create --email you@example.com --role superuser
rem   crm-api-admin.cmd backup C:\Backups\crm-2026-12-01.db
if "%~1"=="" (
  echo usage: crm-api-admin.cmd COMMAND [ARGS]   e.g. crm-api-admin.cmd user create --email you@example.com --role superuser
  exit /b 2
)
call "%~dp0run-crm-api.cmd" %*
exit /b %ERRORLEVEL%
