/** What every screen and every report for a person says of dermacam's answers (DESIGN.md: the model card's statement too). */
export const NOT_A_MEDICAL_DEVICE = 'Not a medical device: research and teaching only. It does not diagnose; refer any concern to a clinician.';
