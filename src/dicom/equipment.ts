import { oneValue } from './vrText.js';

/**
 * What the clinic's configuration says of this device and its patients' references, for every object it makes:
 * Issuer of Patient ID (0010,0021, LO), Station Name (0008,1010, SH) and Device Serial Number (0018,1000, LO).
 */
export interface Equipment {
  issuerOfPatientId?: string;
  stationName?: string;
  deviceSerialNumber?: string;
}

export const EQUIPMENT_FIELDS = { issuerOfPatientId: 'LO', stationName: 'SH', deviceSerialNumber: 'LO' } as const;

/** Why a configured value cannot be its attribute as given (too long, a backslash, a control character), as a clause; undefined when it can. */
export function equipmentValueProblem(field: keyof Equipment, value: unknown): string | undefined {
  const vr = EQUIPMENT_FIELDS[field];
  const most = vr === 'SH' ? 16 : 64;
  if (typeof value !== 'string' || value.trim() === '' || oneValue(value, vr) !== value.trim()) {
    return `must be text of 1-${most} characters (fewer with accented letters) without a backslash or control characters`;
  }
  return undefined;
}

/** The attributes the equipment gives an object; none for what is not configured. */
export function equipmentAttributes({ issuerOfPatientId, stationName, deviceSerialNumber }: Equipment = {}) {
  return {
    ...(issuerOfPatientId ? { IssuerOfPatientID: issuerOfPatientId } : {}),
    ...(stationName ? { StationName: stationName } : {}),
    ...(deviceSerialNumber ? { DeviceSerialNumber: deviceSerialNumber } : {}),
  };
}
