/**
 * What Windows cannot hold in a file or folder name. Shared by the backup-path parser (a folder
 * named NUL would be the null device, not a folder) and by extraction on Windows (an archive made
 * on Linux may hold any name; writing `aux.c` there would send its bytes to a device).
 */

// Device names are reserved with any extension ("nul.txt" is still NUL), and Windows ignores
// spaces before the extension. COM0/LPT0 and the superscript digits are reserved too.
const DEVICE = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]) *(\..*)?$/i;

export function isWindowsDeviceName(name: string): boolean {
  return DEVICE.test(name);
}

/** Why Windows cannot hold this one name, or null when it can. */
export function windowsNameProblem(name: string): string | null {
  if (/[\u0000-\u001f]/.test(name)) return `'${name}' contains a control character`;
  if (/[<>:"|?*\\]/.test(name)) return `'${name}' contains a character Windows does not allow in names (< > : " | ? * \\)`;
  if (isWindowsDeviceName(name)) return `'${name}' is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9)`;
  // Windows silently strips these, so the name on disk would not be the one in the archive.
  if (/[ .]$/.test(name)) return `'${name}' ends with a space or a dot, which Windows does not keep`;
  return null;
}
