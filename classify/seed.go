package classify

import "chartscan"

// Seed is chartscan's built-in knowledge of what the documents of each
// chart section look like: their titles, headings and characteristic
// wording. It covers forms (orders, medication records, flowsheets,
// registration, consents, billing) that transcribed-note corpora lack, and
// the titles of every section. Each text is laid out like a page: a title
// line, then headings and content.
var Seed = map[chartscan.Section][]string{
	chartscan.SectionFaceSheet: {
		"FACE SHEET\nPatient Name: Address: City State Zip: Phone: Sex: Marital Status: Religion: Race: Language:\nAdmission Date: Admission Type: Admission Source: Attending Physician: Primary Care Physician:\nEmergency Contact: Relationship: Guarantor: Employer: Primary Insurance: Secondary Insurance: Policy Number:",
		"PATIENT REGISTRATION\nPatient demographics registration form. Legal name, preferred name, date of birth, social security number.\nAddress: Home phone: Mobile phone: Email:\nNext of kin: Emergency contact name and phone. Guarantor information. Insurance carrier, subscriber, group number.",
		"ADMISSION RECORD\nAdmitting diagnosis: Admit type: Inpatient Outpatient Observation. Room bed unit. Admitting physician.\nPatient information: marital status, religion, occupation, employer. Emergency contact. Advance directive on file: yes no.",
		"PATIENT INFORMATION SHEET\nDemographics: name, sex, race, ethnicity, primary language, interpreter needed.\nContact information: address, phone. Insurance: payer, member id, group. Responsible party / guarantor.",
	},
	chartscan.SectionConsent: {
		"INFORMED CONSENT\nI hereby authorize Dr. and such assistants as may be selected to perform the following procedure.\nThe nature and purpose of the procedure, the risks, benefits and alternatives have been explained to me.\nI understand that no guarantee has been made. Signature of patient or legal representative. Witness. Date. Time.",
		"CONSENT FOR OPERATION OR PROCEDURE\nI consent to the administration of anesthesia and to the transfusion of blood if necessary.\nI acknowledge that I have read and understand this form. Patient signature. Physician signature. Interpreter.",
		"AUTHORIZATION FOR RELEASE OF MEDICAL INFORMATION\nI authorize the release of my protected health information to the person named below for the purpose of.\nThis authorization expires on. I understand I may revoke this authorization in writing. HIPAA.",
		"CONSENT TO TREATMENT\nI voluntarily consent to medical treatment, diagnostic procedures and care as my physician deems necessary.\nFinancial responsibility. Assignment of benefits. Acknowledgment of receipt of notice of privacy practices.",
		"ADVANCE DIRECTIVE\nLiving will. Durable power of attorney for health care. Do not resuscitate. Health care proxy.\nI direct that life-sustaining treatment be withheld. Signature of declarant. Witnesses. Notary.",
	},
	chartscan.SectionHistoryPhysical: {
		"HISTORY AND PHYSICAL\nCHIEF COMPLAINT:\nHISTORY OF PRESENT ILLNESS:\nPAST MEDICAL HISTORY:\nPAST SURGICAL HISTORY:\nMEDICATIONS:\nALLERGIES:\nSOCIAL HISTORY:\nFAMILY HISTORY:\nREVIEW OF SYSTEMS:\nPHYSICAL EXAMINATION:\nASSESSMENT AND PLAN:",
		"ADMISSION HISTORY AND PHYSICAL\nCHIEF COMPLAINT:\nHISTORY:\nThe patient is admitted for. Review of systems is otherwise negative.\nPHYSICAL EXAMINATION:\nVITAL SIGNS:\nHEENT:\nIMPRESSION:\nPLAN: Admit to the medical floor.",
		"H&P\nCHIEF COMPLAINT:\nHPI:\nPMH:\nPSH:\nSOCIAL HISTORY:\nFAMILY HISTORY:\nROS:\nEXAM:\nASSESSMENT:\nPLAN:",
		"HISTORY & PHYSICAL EXAMINATION\nHISTORY OF PRESENT ILLNESS:\nPAST MEDICAL HISTORY:\nPHYSICAL EXAM:\nGENERAL:\nNECK:\nLUNGS:\nHEART:\nABDOMEN:\nEXTREMITIES:\nNEUROLOGIC:\nIMPRESSION:",
	},
	chartscan.SectionProgressNotes: {
		"PROGRESS NOTE\nSUBJECTIVE:\nThe patient reports feeling better today.\nOBJECTIVE:\nVITAL SIGNS:\nASSESSMENT:\nPLAN:\nContinue current management. Follow up in clinic.",
		"OFFICE VISIT\nSUBJECTIVE:\nOBJECTIVE:\nASSESSMENT:\nPLAN:\nReturn to clinic in three months.",
		"SOAP NOTE\nS:\nO:\nA:\nP:\nInterval history since last visit. Medications reviewed.",
		"DAILY PROGRESS NOTE\nHospital day. Overnight events. Interval history.\nASSESSMENT AND PLAN:\nContinue. Discharge planning.",
		"FOLLOW-UP VISIT\nCHIEF COMPLAINT:\nFollow-up of hypertension and diabetes.\nCURRENT MEDICATIONS:\nASSESSMENT:\nPLAN:",
	},
	chartscan.SectionConsultation: {
		"CONSULTATION REPORT\nREASON FOR CONSULTATION:\nREFERRING PHYSICIAN:\nHISTORY OF PRESENT ILLNESS:\nIMPRESSION:\nRECOMMENDATIONS:\nThank you for asking us to see this patient in consultation.",
		"CONSULTATION\nREQUESTING PHYSICIAN:\nREASON FOR CONSULT:\nI was asked to evaluate the patient for.\nASSESSMENT:\nRECOMMENDATIONS:\nWe will follow along with you.",
		"CONSULT NOTE\nReason for consultation. Consulting service. Thank you for allowing me to participate in the care of this patient.\nIMPRESSION AND RECOMMENDATIONS:",
	},
	chartscan.SectionOrders: {
		"PHYSICIAN ORDERS\nAdmit to:\nDiagnosis:\nCondition:\nVital signs:\nActivity:\nDiet:\nNursing:\nIV fluids:\nMedications:\nLabs:\nNotify physician if:\nAllergies:\nCode status:\nOrdering physician signature. Date. Time. Read back.",
		"ADMISSION ORDERS\nAdmit to telemetry. Condition stable. Vitals every four hours. Activity as tolerated. Diet cardiac.\nIV normal saline at 75 mL per hour. Labs CBC BMP in AM. DVT prophylaxis.",
		"DOCTOR'S ORDERS\nOrder date. Order time. Discontinue. Start. STAT. PRN. Verbal order. Telephone order read back and verified. Noted by RN.",
		"POSTOPERATIVE ORDERS\nTransfer to PACU then floor. NPO. Incentive spirometry. Pain management. Foley catheter to gravity. Notify surgeon.",
	},
	chartscan.SectionOperative: {
		"OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS:\nPOSTOPERATIVE DIAGNOSIS:\nPROCEDURE PERFORMED:\nSURGEON:\nASSISTANT:\nANESTHESIA:\nESTIMATED BLOOD LOSS:\nCOMPLICATIONS:\nSPECIMENS:\nDESCRIPTION OF PROCEDURE:\nThe patient was brought to the operating room and placed supine.",
		"PROCEDURE NOTE\nPROCEDURE:\nINDICATIONS:\nANESTHESIA:\nDETAILS OF THE PROCEDURE:\nThe patient tolerated the procedure well.",
		"OPERATION REPORT\nNAME OF OPERATION:\nTITLE OF OPERATION:\nFINDINGS:\nDRAINS:\nFLUIDS:\nTOURNIQUET TIME:\nThe incision was closed in layers. Sterile dressing applied.",
		"BRIEF OPERATIVE NOTE\nPre-op diagnosis. Post-op diagnosis. Procedure. Surgeon. Anesthesia general endotracheal. EBL. Disposition to recovery room.",
	},
	chartscan.SectionLaboratory: {
		"LABORATORY RESULTS\nTest Result Flag Units Reference Range\nWBC RBC Hemoglobin Hematocrit Platelets\nSodium Potassium Chloride CO2 BUN Creatinine Glucose Calcium\nCollected: Received: Reported: Specimen: Ordering provider: Performing lab:",
		"PATHOLOGY REPORT\nSPECIMENS:\nCLINICAL HISTORY:\nGROSS DESCRIPTION:\nMICROSCOPIC DESCRIPTION:\nFINAL DIAGNOSIS:\nReceived in formalin. Sections are submitted. Electronically signed by pathologist.",
		"LAB REPORT\nComplete blood count. Comprehensive metabolic panel. Lipid panel. Hemoglobin A1c. TSH. Urinalysis.\nResult, abnormal flag H L, units, normal range.",
		"MICROBIOLOGY\nCulture and sensitivity. Specimen source. Gram stain. Organism identified. Susceptibility. No growth at 48 hours.",
		"SURGICAL PATHOLOGY\nSPECIMEN:\nGROSS:\nMICROSCOPIC:\nDIAGNOSIS:\nMargins. Lymph nodes. Tumor size. Grade. Immunohistochemical stains.",
	},
	chartscan.SectionRadiology: {
		"RADIOLOGY REPORT\nEXAM:\nCLINICAL HISTORY:\nTECHNIQUE:\nCOMPARISON:\nFINDINGS:\nIMPRESSION:\nElectronically signed by radiologist.",
		"DIAGNOSTIC IMAGING REPORT\nEXAMINATION:\nREASON FOR EXAM:\nFINDINGS:\nIMPRESSION:\nViews of the chest. No acute cardiopulmonary process.",
		"CT SCAN\nCT of the abdomen and pelvis with contrast. Axial images. Coronal reformats.\nFINDINGS:\nIMPRESSION:",
		"MRI REPORT\nMRI of the brain without and with gadolinium. T1 T2 FLAIR diffusion weighted images.\nFINDINGS:\nIMPRESSION:",
		"ULTRASOUND REPORT\nUltrasound examination. Doppler. Echogenicity. No mass or fluid collection.\nIMPRESSION:",
	},
	chartscan.SectionMedications: {
		"MEDICATION ADMINISTRATION RECORD\nAllergies:\nMedication Dose Route Frequency Scheduled times\nGiven Held Refused Initials\nPRN medications. Site. Nurse signature. Pharmacy verified.",
		"MAR\nScheduled medications. PRN medications. Time administered. Dose. Route PO IV IM SQ. Reason held. Effectiveness.",
		"MEDICATION LIST\nCurrent medications: name, strength, dose, frequency, prescriber, start date. Over the counter. Supplements.",
		"MEDICATION RECONCILIATION\nHome medications. Continue. Discontinue. Change. Admission reconciliation. Discharge reconciliation. Reviewed with patient.",
		"PRESCRIPTION\nRx. Sig. Dispense. Refills. Substitution permitted. DEA number. Prescriber signature.",
	},
	chartscan.SectionNursing: {
		"NURSING NOTES / VITAL SIGNS\nTIME TEMP PULSE RESP BP SPO2 PAIN INITIALS\nNursing note: patient resting comfortably. Turned and repositioned. Call light within reach.",
		"NURSING FLOWSHEET\nVital signs. Intake and output. I&O. Pain scale. Fall risk. Braden score. Skin assessment. Neuro checks.",
		"NURSING ASSESSMENT\nAdmission nursing assessment. Level of consciousness. Oriented. Lung sounds. Bowel sounds. Edema. IV site. Patient education.",
		"NURSE'S NOTES\nShift assessment. Report given to oncoming nurse. Patient ambulated in hallway. Tolerated diet. Voiding without difficulty. RN signature.",
	},
	chartscan.SectionDischarge: {
		"DISCHARGE SUMMARY\nADMISSION DATE:\nDISCHARGE DATE:\nADMITTING DIAGNOSIS:\nDISCHARGE DIAGNOSIS:\nHOSPITAL COURSE:\nDISCHARGE MEDICATIONS:\nCONDITION ON DISCHARGE:\nDISPOSITION:\nFOLLOW-UP:\nDISCHARGE INSTRUCTIONS:",
		"HOSPITAL DISCHARGE SUMMARY\nPRINCIPAL DIAGNOSIS:\nSECONDARY DIAGNOSES:\nPROCEDURES:\nBRIEF HISTORY:\nHOSPITAL COURSE:\nThe patient was discharged home in stable condition.",
		"DISCHARGE INSTRUCTIONS\nActivity. Diet. Wound care. Medications at home. Call your doctor if. Follow-up appointment.",
		"TRANSFER SUMMARY\nReason for transfer. Hospital course. Condition at transfer. Medications on transfer.",
	},
	chartscan.SectionEmergency: {
		"EMERGENCY ROOM RECORD\nCHIEF COMPLAINT:\nHISTORY OF PRESENT ILLNESS:\nTRIAGE:\nPHYSICAL EXAMINATION:\nEMERGENCY DEPARTMENT COURSE:\nMEDICAL DECISION MAKING:\nDISPOSITION:\nThe patient presents to the emergency department.",
		"EMERGENCY DEPARTMENT REPORT\nMode of arrival: ambulance. Time seen. Triage acuity.\nED COURSE:\nDIAGNOSIS:\nDISPOSITION: discharged home, admitted, transferred.",
		"ER REPORT\nPresents to the ER with. Seen and examined in the emergency room. Discharged in stable condition with instructions to follow up.",
		"EMERGENCY DEPARTMENT NOTE\nTRIAGE NOTE:\nREASON FOR VISIT:\nED course and treatment. Reassessment. Final impression.",
	},
	chartscan.SectionCorrespondence: {
		"LETTER\nDear Dr.\nThank you for referring this patient to me. I had the pleasure of seeing your patient in the office today.\nSincerely,\ncc:",
		"REFERRAL LETTER\nRE: patient\nDear Colleague,\nI am writing to refer. Please do not hesitate to contact me. Yours truly,",
		"CORRESPONDENCE\nTo whom it may concern. This letter is to confirm. Kind regards. Enclosure.",
		"Dear Doctor,\nRE:\nOn your kind referral, I had the pleasure of meeting. I will keep you apprised. Best regards, Sincerely yours,",
	},
	chartscan.SectionInsuranceBilling: {
		"EXPLANATION OF BENEFITS\nSubscriber: Member ID: Group Number: Claim Number:\nService Date Procedure Code Billed Amount Allowed Amount Deductible Copay Coinsurance Plan Paid Patient Responsibility\nThis is not a bill.",
		"INSURANCE VERIFICATION\nSubscriber: Payer: Plan: Member ID: Group: Effective date: Eligibility verified. Authorization number. Copay. Deductible remaining.",
		"ITEMIZED STATEMENT\nAccount number. Statement date. Charges. Payments. Adjustments. Balance due. Amount due. Please remit.",
		"CLAIM FORM\nCMS-1500 UB-04. Billing provider NPI. Tax ID. CPT HCPCS codes. ICD-10 diagnosis codes. Modifiers. Units. Charges.",
		"INSURANCE CARD\nMember name. Member ID. Group number. RxBIN. RxPCN. Copay office visit specialist emergency room. Customer service.",
	},
	chartscan.SectionOther: {
		"FAX COVER SHEET\nTo: From: Fax: Phone: Pages including cover: Re:\nConfidentiality notice: this facsimile contains privileged and confidential information intended only for the addressee.",
		"THIS PAGE INTENTIONALLY LEFT BLANK",
		"MISCELLANEOUS\nEnvelope. Routing slip. Index tab. Records request tracking. Copy of identification.",
	},
}

// SeedWeight is how many documents each seed text counts as: enough for
// the titles and headings of forms to outweigh chance words of notes.
const SeedWeight = 25

// SeedDocuments returns the seed texts as training documents.
func SeedDocuments() []Labeled {
	var out []Labeled
	for _, s := range chartscan.Sections {
		for _, t := range Seed[s] {
			out = append(out, Labeled{Section: s, Text: t, Weight: SeedWeight})
		}
	}
	return out
}
