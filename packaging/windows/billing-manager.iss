; Inno Setup script: installs the folder that `pyinstaller packaging/billing-manager.spec` builds on
; Windows (dist\billing-manager) for the current user, with a Start menu entry, and registers the
; billing-manager:// URL protocol so the platform dashboard's "Open in Billing Manager" links start
; the app with the link as its argument ("%1"). Built by .github/workflows/package.yml:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\billing-manager packaging\windows\billing-manager.iss
; Not built on the Linux machine this repository is developed on: written to Inno Setup 6's documentation.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\billing-manager"
#endif

[Setup]
AppId={{6F0C1D2E-3B4A-4C5D-8E9F-B1A2C3D4E5F6}
AppName=Billing Manager
AppVersion={#AppVersion}
AppPublisher=Billing Manager
DefaultDirName={localappdata}\Programs\Billing Manager
DefaultGroupName=Billing Manager
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputBaseFilename=billing-manager-{#AppVersion}-setup
OutputDir=..\..\dist
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\billing-manager.exe

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; an operator's branded build puts its billing-manager.toml in SourceDir; it lands beside the .exe

[Icons]
Name: "{autoprograms}\Billing Manager"; Filename: "{app}\billing-manager.exe"

[Registry]
; HKCU\Software\Classes is HKEY_CLASSES_ROOT for this user: no administrator rights needed.
; "--" before "%1": whatever a crafted link smuggles past the quotes is never read as an option.
Root: HKCU; Subkey: "Software\Classes\billing-manager"; ValueType: string; ValueName: ""; ValueData: "URL:Billing Manager link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\billing-manager"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\billing-manager\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\billing-manager.exe"",0"
Root: HKCU; Subkey: "Software\Classes\billing-manager\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\billing-manager.exe"" -- ""%1"""

[Run]
Filename: "{app}\billing-manager.exe"; Description: "Start Billing Manager"; Flags: nowait postinstall skipifsilent
