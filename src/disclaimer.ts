/** What the app's screen and the text output of classify and eval say of dermacam's answers (DESIGN.md: the model card's statement too). */
export const NOT_A_MEDICAL_DEVICE = 'Not a medical device: research and teaching only. It does not diagnose; refer any concern to a clinician.';
