@echo off
rem Starts crm-api with its configuration; used by the scheduled task or by NSSM.
rem With arguments it runs that crm-api command against the same configuration
rem instead (this is what crm-api-admin.cmd does: user create, backup, check, ...).
rem Keep this file readable by Administrators and SYSTEM only: it holds SECRET_KEY.
setlocal
set ENVIRONMENT=production
set DATA_DIR=C:\ProgramData\crm-api
set HOST=127.0.0.1
set PORT=8000
set SECRET_KEY=
set FRONTEND_URL=https://crm.example.com
set PUBLIC_URL=https://crm.example.com
set TRUST_PROXY=true
set TWILIO_ACCOUNT_SID=
set TWILIO_AUTH_TOKEN=
set TWILIO_PHONE_NUMBER=
set SMTP_URL=
set EMAIL_FROM=
set METRICS_TOKEN=
rem First start only: on an empty database this superuser is created. Clear both
rem lines once it exists (or create the first user with crm-api-admin.cmd instead).
set ADMIN_EMAIL=
set ADMIN_PASSWORD=
if "%~1"=="" goto serve
"C:\Program Files\crm-api\crm-api.exe" %*
exit /b %ERRORLEVEL%
:serve
"C:\Program Files\crm-api\crm-api.exe" check || exit /b 1
"C:\Program Files\crm-api\crm-api.exe" serve
