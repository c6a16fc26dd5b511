package classify

import (
	"strings"

	"chartscan"
)

// SeedTitles is what the documents of each chart section are called, in
// the many wordings hospitals, clinics, laboratories and payers print at
// the top of a page. The list is general on purpose: the names of the
// document kinds (LOINC document types, HIM filing guides, the forms of
// the main EHR and billing systems), not the titles of any one site. A
// title the model has never seen is still read through its words ("t:"
// features), so synonyms teach the words that name a section.
var SeedTitles = map[chartscan.Section][]string{
	chartscan.SectionFaceSheet: {
		"Face Sheet", "Admission Face Sheet", "Patient Face Sheet", "Inpatient Face Sheet",
		"Registration Record", "Patient Registration Form", "Outpatient Registration",
		"Admitting Record", "Patient Demographics", "Demographic Information",
		"Patient Information", "Patient Data Sheet", "Patient Profile",
		"Admission Summary Sheet", "Encounter Information", "Registration Summary",
	},
	chartscan.SectionConsent: {
		"Informed Consent", "Consent Form", "Surgical Consent", "Consent to Surgery",
		"Procedure Consent", "Consent for Anesthesia", "Anesthesia Consent",
		"Consent for Blood Transfusion", "Transfusion Consent", "Consent for Sedation",
		"General Consent", "Consent to Treat", "Conditions of Admission", "Conditions of Treatment",
		"Authorization to Disclose Health Information", "Release of Information Authorization",
		"HIPAA Authorization", "Acknowledgment of Receipt of Privacy Practices",
		"Refusal of Treatment", "Leaving Against Medical Advice", "Advance Directive",
		"Living Will", "Durable Power of Attorney for Health Care", "Health Care Proxy",
		"POLST", "Photography Consent", "Telehealth Consent", "Research Consent",
	},
	chartscan.SectionHistoryPhysical: {
		"History and Physical", "H&P", "History & Physical", "Admission H&P", "Admit H&P",
		"History and Physical Examination", "Admission Note", "Admit Note",
		"Hospitalist Admission Note", "Initial Hospital Evaluation", "Preoperative H&P",
		"Pre-Procedure History and Physical", "Interval H&P Update", "New Patient Evaluation",
		"Comprehensive Evaluation", "Initial Assessment", "Preadmission Evaluation",
	},
	chartscan.SectionProgressNotes: {
		"Progress Note", "Progress Notes", "Daily Progress Note", "Hospitalist Progress Note",
		"Physician Progress Note", "Interval Note", "Clinic Note", "Clinic Visit",
		"Outpatient Note", "Follow-up Note", "Follow-up Visit", "Return Visit",
		"Established Patient Visit", "SOAP Note", "Subsequent Hospital Care",
		"Telephone Encounter", "Problem Visit", "Interdisciplinary Progress Notes", "Chart Note",
	},
	chartscan.SectionConsultation: {
		"Consultation", "Consult", "Consult Note", "Consultation Note", "Inpatient Consultation",
		"Outpatient Consultation", "Initial Consultation", "Specialty Consultation",
		"Consultant Note", "Consult Follow-up", "Requested Consultation", "Second Opinion",
		"Cardiology Consultation", "Surgical Consultation", "Infectious Disease Consult",
		"Psychiatry Consult", "Neurology Consult", "Nephrology Consultation",
	},
	chartscan.SectionOrders: {
		"Orders", "Doctor's Orders", "Provider Orders", "Physician Order Sheet", "Order Sheet",
		"Admit Orders", "Admitting Orders", "Inpatient Order Set", "Order Set",
		"Postoperative Orders", "Post-Op Orders", "Preoperative Orders", "Standing Orders",
		"Telephone Orders", "Verbal Orders", "Transfer Orders", "Discharge Orders",
		"Medication Orders", "Treatment Orders", "Outpatient Orders", "Order Requisition",
	},
	chartscan.SectionOperative: {
		"Operative Report", "Operative Note", "Op Note", "Brief Operative Note",
		"Immediate Postoperative Note", "Surgical Report", "Surgery Report", "Report of Operation",
		"Operation Record", "Procedure Note", "Procedure Report", "Bedside Procedure Note",
		"Endoscopy Report", "Colonoscopy Report", "Cardiac Catheterization Report",
		"Anesthesia Record", "Intraoperative Record", "Delivery Note", "Sedation Record",
	},
	chartscan.SectionLaboratory: {
		"Pathology Report", "Surgical Pathology", "Laboratory Report", "Lab Report", "Lab Results",
		"Clinical Laboratory", "Cumulative Lab Summary", "Test Results", "Chemistry",
		"Hematology", "Coagulation", "Urinalysis", "Microbiology", "Culture Report",
		"Cytology Report", "Blood Bank", "Arterial Blood Gas", "Point of Care Testing",
		"Reference Laboratory Report", "Flow Cytometry", "Bone Marrow Report",
	},
	chartscan.SectionRadiology: {
		"Radiology Report", "Imaging Report", "Radiology", "Imaging", "X-Ray Report", "Radiograph",
		"CT Report", "Computed Tomography", "MRI", "Magnetic Resonance Imaging", "Ultrasound",
		"Sonography", "Nuclear Medicine", "Mammography", "Fluoroscopy", "Echocardiogram",
		"Interventional Radiology", "PET CT", "Bone Density", "Vascular Study", "Imaging Study",
	},
	chartscan.SectionMedications: {
		"Medication Administration Record", "MAR", "eMAR", "Medication Record", "Medication Profile",
		"Medication List", "Home Medications", "Medication Reconciliation",
		"Active Medications", "Pharmacy Profile", "Prescription", "Prescriptions",
		"PRN Medication Record", "Insulin Administration Record", "IV Medication Record",
		"Controlled Substance Record", "Medication History", "Drug Profile",
	},
	chartscan.SectionNursing: {
		"Nursing Notes", "Nursing Note", "Nurses Notes", "Nursing Progress Note", "Nursing Assessment",
		"Nursing Admission Assessment", "Shift Assessment", "Vital Signs Record", "Vital Signs",
		"Flow Sheet", "Patient Care Flowsheet", "Intake and Output Record", "I&O Record",
		"Graphic Record", "Fall Risk Assessment", "Braden Scale", "Pain Assessment",
		"Skin Assessment", "Wound Care Record", "Neuro Checks", "Nursing Care Plan",
		"Patient Education Record", "Restraint Monitoring", "Shift Report", "Nursing Documentation",
	},
	chartscan.SectionDischarge: {
		"Discharge Summary", "Discharge Note", "Hospital Course Summary", "Transfer/Discharge Summary",
		"Death Summary", "Expiration Summary", "Discharge Report", "Final Summary", "Hospital Summary",
		"Clinical Resume", "Interim Summary", "Transfer Summary", "Discharge Instructions",
		"Patient Discharge Instructions", "Discharge Plan", "Discharge Record",
	},
	chartscan.SectionEmergency: {
		"Emergency Department Note", "ED Note", "ED Provider Note", "ED Physician Record",
		"Emergency Physician Documentation", "ER Note", "ED Visit", "Emergency Visit",
		"Emergency Treatment Record", "Emergency Services", "Emergency Encounter",
		"Triage Record", "ED Triage", "Triage Note", "Urgent Care Visit", "Emergency Care Record",
		"Emergency Medicine", "Trauma Flow Sheet",
	},
	chartscan.SectionCorrespondence: {
		"Letter", "Correspondence", "Referral Letter", "Clinic Letter", "Patient Letter",
		"Letter of Medical Necessity", "Work Status Note", "School Excuse", "Return to Work",
		"Records Request", "Letter to Referring Physician", "Memo", "Notification Letter",
	},
	chartscan.SectionInsuranceBilling: {
		"Explanation of Benefits", "EOB", "Remittance Advice", "Claim Summary", "Statement of Account",
		"Patient Statement", "Itemized Bill", "Itemized Statement", "UB-04", "Health Insurance Claim Form",
		"Eligibility Verification", "Verification of Benefits", "Benefits Verification",
		"Prior Authorization", "Precertification", "Authorization Request", "Insurance Card",
		"Financial Agreement", "Charge Sheet", "Superbill", "Encounter Form", "Billing Statement",
		"Coordination of Benefits", "Claim Denial",
	},
	chartscan.SectionOther: {
		"Fax Cover Sheet", "Fax", "Facsimile", "Transmittal", "Routing Slip", "Chart Divider",
		"Document Index", "Miscellaneous", "Scanned Document", "Envelope", "Belongings Inventory",
		"Chart Checklist", "Blank Page", "Intentionally Left Blank", "Copy of Identification",
	},
}

// Seed is chartscan's built-in knowledge of what the pages of each chart
// section look like at any site: a title line, then the headings, field
// labels and standard sentences of the form or note. It covers the forms
// transcribed-note corpora lack (registration, consents, orders,
// medication records, flowsheets, payer documents, lab tables) and gives
// each section several layouts and wordings, so that the model learns the
// kind of page rather than one site's form. The first line of each text is
// its title.
var Seed = map[chartscan.Section][]string{
	chartscan.SectionFaceSheet: {
		"ADMISSION FACE SHEET\nLegal Name: Preferred Name: Alias: Sex: Gender Identity: Marital Status: Race: Ethnicity:\nHome Address: Street: City: State: ZIP: County: Home Phone: Cell Phone: Work Phone: Email:\nSocial Security Number: Employer: Occupation:\nAdmit Date: Admit Time: Admit Type: Admit Source: Patient Class: Unit: Room: Bed:\nAttending: Admitting: Referring: PCP:\nNext of Kin: Relationship: Phone:\nGuarantor: Guarantor Address: Guarantor Employer:\nPrimary Payer: Plan: Subscriber: Subscriber ID: Group No: Secondary Payer: Financial Class:\nReason for Admission: Advance Directive on File: Organ Donor:",
		"PATIENT REGISTRATION FORM\nPlease print. Last name, first name, middle initial. Date of birth. Sex at birth.\nMailing address, apartment, city, state, zip code. Preferred phone. May we leave a message? Yes No\nPreferred language. Interpreter needed? Race. Ethnicity. Religious preference.\nEmergency contact and relationship to patient. Person responsible for the account.\nInsurance information: insurance company, policy holder, policy holder date of birth, ID number, group number.\nEmployment status: employed, retired, student, unemployed. Employer name and phone.",
		"PATIENT DEMOGRAPHICS\nEncounter number. Account number. Medical record number. Visit type: inpatient, outpatient, observation, emergency.\nPatient: name, birth date, age, gender, marital status, primary language, ethnic group.\nAddress and telephone. Contacts: emergency contact, next of kin, legal guardian.\nCoverage: payer, plan, member number, group, effective date, subscriber relationship: self, spouse, child.\nRegistered by. Registration date and time.",
		"INPATIENT FACE SHEET\nHospital service. Accommodation: private, semi-private. Nursing unit. Bed assignment.\nAdmitting diagnosis. Principal diagnosis. Admitting physician. Attending physician. Family physician.\nPatient type. Admission source: physician referral, transfer from hospital, emergency room, clinic.\nDischarge date. Discharge disposition. Length of stay. Abstracted by.\nGuarantor name, address, phone, relationship. Insurance plan 1, plan 2, plan 3, policy and group numbers.",
		"PATIENT INFORMATION\nDemographic update form. Name, previous name, date of birth, sex.\nHome address, billing address, phone numbers, email.\nMarital status: single, married, divorced, widowed, separated, partner.\nPrimary care provider. Referring provider. Preferred pharmacy.\nEmergency contact name, relationship, phone. Responsible party.",
	},
	chartscan.SectionConsent: {
		"SURGICAL CONSENT\nI, the undersigned, give permission to my surgeon and the assistants the surgeon chooses to perform the operation named below.\nName of operation or procedure. Site and side. My doctor has explained the nature of the operation, the expected benefits,\nthe material risks including bleeding, infection, injury to nearby organs and death, and the reasonable alternatives including no treatment.\nI have had the opportunity to ask questions and all my questions were answered.\nSignature of patient or legally authorized representative. Relationship to patient. Date. Time. Witness.\nPhysician attestation: I have explained the procedure, risks and alternatives. Interpreter name and ID number.",
		"CONSENT FOR ANESTHESIA\nI agree to the anesthesia planned for my procedure: general, regional, spinal, epidural, monitored anesthesia care, sedation.\nI understand the risks of anesthesia, including sore throat, dental injury, nausea, awareness, nerve damage, allergic reaction.\nI have told the anesthesia team about my medications, allergies and when I last ate or drank.\nPatient or guardian signature. Anesthesia provider signature. Date and time.",
		"CONSENT FOR BLOOD TRANSFUSION\nI agree to receive blood or blood products: red cells, plasma, platelets, cryoprecipitate.\nRisks of transfusion include fever, allergic reaction, transmission of infection, and fluid overload. Alternatives were discussed.\nI refuse blood products: initial here. Patient signature. Witness signature. Date.",
		"CONDITIONS OF ADMISSION\nConsent to treatment: I consent to the hospital services, tests and treatment my providers order.\nRelease of information: I authorize the hospital to release information needed to process claims for payment.\nAssignment of benefits: I assign to the hospital the insurance benefits payable for the services.\nFinancial agreement: I agree to pay the charges not covered by insurance. Personal valuables. Notice of privacy practices.\nPatient or representative signature. Reason patient unable to sign. Date.",
		"AUTHORIZATION TO DISCLOSE HEALTH INFORMATION\nI authorize the use and disclosure of my protected health information as described below.\nInformation to be released: entire record, discharge summary, lab results, imaging reports, dates of treatment.\nRecipient name and address. Purpose of disclosure: continuing care, insurance, legal, personal.\nThis authorization expires on the date or event below. I may revoke this authorization in writing at any time.\nTreatment will not be conditioned on signing. Information disclosed may be redisclosed by the recipient.\nSignature of patient or personal representative. Description of authority.",
		"ADVANCE DIRECTIVE\nHealth care power of attorney. I appoint the person named below as my health care agent.\nIf I am unable to make my own decisions, my agent may consent to or refuse treatment on my behalf.\nLiving will: if I have a terminal condition or am permanently unconscious, I do not want life-sustaining treatment.\nArtificial nutrition and hydration. Cardiopulmonary resuscitation. Mechanical ventilation.\nSignature of declarant. Two witnesses. Notary public.",
		"REFUSAL OF TREATMENT\nI have been advised by my physician to receive the treatment listed below and I refuse it.\nThe risks of refusing, including worsening of my condition or death, have been explained to me.\nI release the hospital, its staff and my physicians from responsibility for any result of my refusal.\nLeaving against medical advice. Patient signature. Witness. Date and time.",
		"GENERAL CONSENT FORM\nConsent to routine care, examination, diagnostic tests and treatment.\nI acknowledge that I received the notice of privacy practices. Consent to photographs for the medical record.\nConsent for telehealth visits. Consent for students and trainees to take part in my care.\nSignature. Printed name. Date.",
	},
	chartscan.SectionHistoryPhysical: {
		"HISTORY AND PHYSICAL EXAMINATION\nCHIEF COMPLAINT:\nHISTORY OF PRESENT ILLNESS:\nPAST MEDICAL HISTORY:\nPAST SURGICAL HISTORY:\nMEDICATIONS PRIOR TO ADMISSION:\nALLERGIES:\nSOCIAL HISTORY: tobacco, alcohol, illicit drugs, occupation, living situation.\nFAMILY HISTORY:\nREVIEW OF SYSTEMS: Constitutional. Eyes. ENT. Cardiovascular. Respiratory. Gastrointestinal. Genitourinary. Musculoskeletal. Skin. Neurologic. Psychiatric.\nPHYSICAL EXAMINATION:\nVITAL SIGNS:\nGENERAL:\nHEENT:\nNECK:\nCHEST:\nHEART:\nABDOMEN:\nEXTREMITIES:\nNEUROLOGICAL:\nLABORATORY DATA:\nASSESSMENT:\nPLAN:",
		"ADMISSION NOTE\nREASON FOR ADMISSION:\nHPI:\nThe patient presents with. Symptoms began. Denies fever or chills.\nPMH:\nPSH:\nHOME MEDICATIONS:\nALLERGIES:\nSOCIAL:\nFAMILY:\nROS: All other systems reviewed and negative.\nEXAM:\nDATA: labs, imaging and ECG reviewed.\nASSESSMENT AND PLAN:\nAdmit to medicine. Code status. DVT prophylaxis. Diet. Disposition.",
		"H&P\nCC:\nHPI:\nPMHx:\nPSHx:\nMeds:\nAllergies: NKDA\nSHx:\nFHx:\nROS:\nPE:\nVS:\nGen:\nCV:\nResp:\nAbd:\nExt:\nNeuro:\nA/P:",
		"PREOPERATIVE HISTORY AND PHYSICAL\nPlanned procedure. Indication for surgery.\nHISTORY OF PRESENT ILLNESS:\nPAST MEDICAL HISTORY:\nPREVIOUS ANESTHESIA: no problems with anesthesia.\nCURRENT MEDICATIONS:\nALLERGIES:\nPHYSICAL EXAMINATION: airway, heart, lungs.\nASA class. Cleared for surgery. Risks and benefits discussed.",
		"INITIAL HOSPITAL EVALUATION\nSource of history: patient, family, outside records.\nPresenting complaint and history of the present illness.\nMedical history. Surgical history. Medications. Allergies. Social and family history.\nComplete review of systems. Comprehensive physical examination.\nProblem list. Impression. Plan of care. Expected length of stay.",
	},
	chartscan.SectionProgressNotes: {
		"PROGRESS NOTE\nSUBJECTIVE:\nThe patient reports feeling better. No new complaints.\nOBJECTIVE:\nVITALS:\nEXAM:\nLABS:\nASSESSMENT:\nPLAN:\nContinue current treatment.",
		"DAILY PROGRESS NOTE\nHospital day number. Interval history. Overnight events: none.\nSUBJECTIVE:\nOBJECTIVE: Vitals, intake and output, exam, new labs and imaging.\nASSESSMENT AND PLAN BY PROBLEM:\n1.\n2.\nDisposition: anticipate discharge in one to two days.",
		"CLINIC NOTE\nVisit type: follow-up. Reason for visit.\nINTERVAL HISTORY:\nCURRENT MEDICATIONS:\nVITAL SIGNS: BP, pulse, weight, BMI.\nPHYSICAL EXAM:\nASSESSMENT:\nPLAN:\nReturn to clinic in three months or sooner as needed.",
		"SOAP NOTE\nS: Patient seen for follow-up. Symptoms improved since last visit.\nO: Vitals stable. Exam unchanged.\nA: Condition stable.\nP: Continue medications. Recheck labs. Follow up in four weeks.",
		"FOLLOW-UP NOTE\nSeen today for follow-up of chronic conditions. Medications reviewed and reconciled.\nCHRONIC PROBLEMS:\nHypertension, controlled. Diabetes, A1c reviewed. Hyperlipidemia.\nIMPRESSION:\nPLAN:\nRefills sent. Counseled on diet and exercise. Next appointment.",
		"TELEPHONE ENCOUNTER\nCaller. Reason for call. Spoke with patient. Advised. Message routed to provider.\nProvider response. Patient informed. Follow up as scheduled.",
		"SUBSEQUENT HOSPITAL CARE\nPatient seen and examined on rounds. Chart, nursing notes and labs reviewed.\nStable overnight. Tolerating diet. Pain controlled.\nImpression and plan. Continue. Will follow.",
	},
	chartscan.SectionConsultation: {
		"CONSULTATION NOTE\nREQUESTING PHYSICIAN:\nREASON FOR CONSULTATION:\nHISTORY OF PRESENT ILLNESS:\nPAST MEDICAL HISTORY:\nMEDICATIONS:\nALLERGIES:\nPHYSICAL EXAMINATION:\nIMPRESSION:\nRECOMMENDATIONS:\nThank you for this consultation. We will follow the patient with you.",
		"INPATIENT CONSULTATION\nConsulting service. Referring service. Question asked by the primary team.\nI was asked to see the patient regarding.\nASSESSMENT:\nRECOMMENDATIONS:\n1. 2. 3.\nRecommendations discussed with the primary team. Please page with questions.",
		"CONSULT NOTE\nReferred by. Reason for referral.\nHistory obtained from the patient and the chart.\nIMPRESSION AND RECOMMENDATIONS:\nThank you for allowing us to participate in the care of this patient. We will sign off; please reconsult as needed.",
		"SPECIALTY CONSULTATION\nDear referring provider, the patient was seen in consultation at your request.\nCONSULTANT OPINION:\nDIFFERENTIAL DIAGNOSIS:\nSUGGESTED WORKUP:\nSUGGESTED TREATMENT:\nFollow-up with the consulting clinic.",
	},
	chartscan.SectionOrders: {
		"DOCTOR'S ORDERS\nAllergies:\nWeight:\nOrder date and time. Each order on a separate line.\nAdmit to: service, unit, level of care. Status: inpatient, observation.\nCondition:\nCode status: full code, DNR, DNI.\nVital signs: every shift, every 2 hours, per unit routine.\nActivity: bed rest, out of bed to chair, ambulate with assistance.\nDiet: NPO, clear liquids, regular, carbohydrate controlled, renal, low sodium.\nIV: fluid, rate in mL per hour. Saline lock.\nMedications: drug, dose, route, frequency.\nLabs: CBC, BMP, PT/INR in the morning.\nCall provider for: temperature above, heart rate below, urine output less than.\nPrescriber signature. Printed name. Pager.",
		"PROVIDER ORDERS\nOrder number. Ordered by. Ordering provider. Order status: active, discontinued, completed.\nPriority: STAT, routine, now, timed. Start date. Stop date.\nNursing orders: strict intake and output, daily weight, telemetry, fall precautions, aspiration precautions.\nRespiratory: oxygen to keep saturation above, nebulizer treatments.\nConsults: consult physical therapy, social work, case management.\nVTE prophylaxis: mechanical, pharmacologic.",
		"ADMIT ORDERS\nAdmit to the hospitalist service. Attending. Diagnosis. Condition fair.\nVitals per protocol. Neuro checks. Accucheck before meals and at bedtime.\nActivity as tolerated. Cardiac diet. Saline lock. Medications as below.\nMorning labs. Chest x-ray. ECG. Discontinue home medications not listed.",
		"POSTOPERATIVE ORDERS\nTransfer to recovery, then to the floor when criteria met. Vital signs every 15 minutes until stable.\nNPO until awake, then advance diet as tolerated. Incentive spirometry ten times an hour while awake.\nFoley to gravity. Drain to bulb suction. Dressing care. Elevate extremity.\nPain control: patient controlled analgesia. Antiemetic as needed. Notify surgeon of.",
		"TELEPHONE ORDERS\nVerbal or telephone order received from the prescriber. Order repeated back and confirmed.\nReceived by nurse. Date and time. Transcribed by. Noted by. Co-signature of prescriber required within 24 hours.",
		"STANDING ORDERS\nProtocol orders per the medical staff. Initiate protocol. Titrate per protocol.\nHypoglycemia protocol. Electrolyte replacement protocol. Bowel regimen. Sliding scale insulin.\nCheck each order to activate. Cross out orders not wanted. Physician signature required.",
		"DISCHARGE ORDERS\nDischarge patient to: home, home with home health, skilled nursing facility, rehabilitation.\nDischarge when criteria met. Remove IV before discharge. Prescriptions given. Durable medical equipment ordered.\nFollow-up appointment. Diet and activity orders. Ordering provider signature.",
	},
	chartscan.SectionOperative: {
		"OPERATIVE NOTE\nDATE OF SURGERY:\nPREOPERATIVE DIAGNOSIS:\nPOSTOPERATIVE DIAGNOSIS:\nPROCEDURES:\nSURGEON:\nASSISTANTS:\nANESTHESIA:\nANESTHESIOLOGIST:\nINDICATIONS:\nFINDINGS:\nESTIMATED BLOOD LOSS:\nFLUIDS:\nURINE OUTPUT:\nSPECIMENS:\nDRAINS:\nIMPLANTS:\nCOMPLICATIONS: None.\nDESCRIPTION OF PROCEDURE:\nThe patient was identified in the holding area and brought to the operating room. A time-out was performed.\nThe area was prepped and draped in the usual sterile fashion. Sponge, needle and instrument counts were correct.\nThe patient was taken to the recovery room in stable condition.",
		"BRIEF OPERATIVE NOTE\nPre-op dx. Post-op dx. Procedure. Surgeon. Assistant. Anesthesia: general endotracheal. EBL minimal.\nSpecimens to pathology. Complications none. Condition stable. Disposition PACU.",
		"PROCEDURE REPORT\nPROCEDURE:\nINDICATION:\nCONSENT: Risks, benefits and alternatives explained; consent signed.\nSEDATION:\nTECHNIQUE:\nUnder sterile conditions and local anesthetic, the needle was advanced. The patient tolerated the procedure well.\nPOST-PROCEDURE: No immediate complications.",
		"ENDOSCOPY REPORT\nProcedure: upper endoscopy, colonoscopy. Indications. Medications: moderate sedation.\nThe scope was introduced and advanced to the cecum. Bowel preparation. Withdrawal time.\nFindings: polyp removed with snare, biopsies taken. Impression. Recommendations: repeat in years, await pathology.",
		"CARDIAC CATHETERIZATION REPORT\nProcedures performed: left heart catheterization, coronary angiography, left ventriculography.\nAccess: radial artery, femoral artery. Sheath. Contrast volume. Fluoroscopy time.\nHemodynamics. Coronary anatomy: left main, left anterior descending, circumflex, right coronary artery. Stenosis. Stent deployed.\nConclusions. Closure device.",
		"ANESTHESIA RECORD\nASA physical status. Airway: mallampati, intubation, endotracheal tube size, laryngoscope blade.\nInduction time. Incision time. End of surgery. Agents. Intraoperative medications. Fluids in. Blood loss. Urine.\nMonitors: ECG, pulse oximetry, capnography, arterial line. Anesthesia start and stop. Transfer to PACU.",
	},
	chartscan.SectionLaboratory: {
		"LABORATORY REPORT\nTest  Result  Units  Reference Interval  Flag\nAccession number. Specimen: blood, serum, plasma, urine. Collected. Received. Resulted. Verified by.\nWhite blood cell count. Red blood cell count. Hemoglobin. Hematocrit. MCV. Platelet count. Differential: neutrophils, lymphocytes, monocytes.\nSodium. Potassium. Chloride. Bicarbonate. Urea nitrogen. Creatinine. Glucose. Calcium. eGFR.\nH high. L low. Critical value called to and read back. Performing laboratory. Laboratory director. CLIA number.",
		"LAB RESULTS\nComponent  Value  Normal range  Abnormal\nCBC with differential. Basic metabolic panel. Hepatic function panel: AST, ALT, alkaline phosphatase, total bilirubin, albumin.\nLipid panel: total cholesterol, triglycerides, HDL, LDL. Hemoglobin A1c. TSH. Free T4.\nTroponin. BNP. Lactate. Magnesium. Phosphorus. Ordering provider. Collection date.",
		"CUMULATIVE LAB SUMMARY\nDate and time columns. Prior values. Trend.\nChemistry. Hematology. Coagulation: PT, INR, PTT, fibrinogen, D-dimer.\nUrinalysis: color, clarity, specific gravity, pH, protein, glucose, ketones, blood, nitrite, leukocyte esterase, WBC per HPF, bacteria.",
		"MICROBIOLOGY REPORT\nCulture source: blood, urine, wound, sputum. Gram stain. Preliminary report. Final report.\nOrganism identified. Colony count. Susceptibility: antibiotic, MIC, interpretation S I R.\nNo growth at five days. Normal flora. Blood culture bottles positive.",
		"SURGICAL PATHOLOGY\nSPECIMEN SUBMITTED:\nCLINICAL INFORMATION:\nGROSS DESCRIPTION:\nReceived in formalin labeled with the patient's name. Measuring. Serially sectioned. Representative sections submitted in cassettes.\nMICROSCOPIC DESCRIPTION:\nFINAL DIAGNOSIS:\nMargins. Lymph nodes. Tumor grade. Immunohistochemistry. Pathologic stage.\nElectronically signed by the pathologist.",
		"CYTOLOGY REPORT\nSpecimen adequacy: satisfactory for evaluation. Interpretation: negative for intraepithelial lesion or malignancy.\nFine needle aspiration. Cell block. Ancillary studies. Cytotechnologist. Pathologist.",
		"ARTERIAL BLOOD GAS\npH. pCO2. pO2. HCO3. Base excess. Oxygen saturation. FiO2. Sample type: arterial, venous. Temperature corrected.",
		"BLOOD BANK\nABO group. Rh type. Antibody screen. Crossmatch compatible. Units issued. Unit number. Product type. Expiration.",
	},
	chartscan.SectionRadiology: {
		"IMAGING REPORT\nEXAMINATION:\nDATE OF EXAM:\nINDICATION:\nTECHNIQUE:\nCOMPARISON:\nFINDINGS:\nIMPRESSION:\nDictated by. Signed by the radiologist. Accession number.",
		"X-RAY REPORT\nChest, two views, PA and lateral. Clinical history.\nFINDINGS: The lungs are clear. Heart size is normal. No pleural effusion or pneumothorax. Bones intact.\nIMPRESSION: No acute cardiopulmonary disease.",
		"CT REPORT\nCT of the head without contrast. CT of the chest, abdomen and pelvis with intravenous contrast.\nAxial images with coronal and sagittal reformations. Dose reduction technique. CTDIvol. DLP.\nFINDINGS: Liver, gallbladder, pancreas, spleen, kidneys, bowel, lymph nodes.\nIMPRESSION:",
		"MAGNETIC RESONANCE IMAGING\nMRI of the lumbar spine without contrast. Sagittal and axial T1 and T2 weighted sequences. STIR. Gadolinium.\nFINDINGS: Disc height and signal. Central canal. Neural foramina. Marrow signal.\nIMPRESSION:",
		"ULTRASOUND\nUltrasound of the abdomen, pelvis, thyroid, carotid, venous Doppler of the lower extremity.\nGrayscale and color Doppler images. Echogenic. Hypoechoic. Compressible. Flow.\nIMPRESSION:",
		"NUCLEAR MEDICINE\nRadiopharmaceutical. Dose in mCi. Injected. Imaging performed. Uptake. Scan.\nMyocardial perfusion. Bone scan. HIDA scan. Ventilation perfusion.\nIMPRESSION:",
		"MAMMOGRAPHY\nBilateral screening mammogram. Breast composition. Tomosynthesis. No suspicious mass, calcifications or distortion.\nBI-RADS category. Recommendation: routine screening in one year.",
		"ECHOCARDIOGRAM\nTransthoracic echocardiogram. Left ventricular ejection fraction. Wall motion. Valves: mitral, aortic, tricuspid. Regurgitation. Stenosis.\nChamber sizes. Pericardial effusion. Conclusions. Interpreting cardiologist.",
	},
	chartscan.SectionMedications: {
		"MEDICATION ADMINISTRATION RECORD\nAllergies: Weight: Height:\nMedication  Dose  Route  Frequency  Start  Stop  Scheduled times\nAdministered by. Initials. Site. Given. Not given: held, refused, patient off unit, NPO.\nPRN medications: reason given, pain score before and after, response.\nOne-time and STAT doses. Pharmacist verification. Nurse signature and initials key.",
		"MEDICATION PROFILE\nActive medications. Drug name and strength. Sig. Route: oral, intravenous, intramuscular, subcutaneous, topical, inhaled.\nFrequency: daily, twice daily, every 6 hours, at bedtime, as needed. Start date. End date. Prescriber. Pharmacy.",
		"HOME MEDICATIONS\nMedication history from patient, family, pharmacy fill history.\nName. Dose. How often. Last dose taken. Over the counter medicines, vitamins and herbal supplements.",
		"MEDICATION RECONCILIATION\nPrior to admission medication list. Continue. Stop. Change dose. New medication.\nReviewed with patient at admission, transfer and discharge. Reconciled by. Provider signature.",
		"PRESCRIPTION\nRx. Drug. Strength. Quantity. Sig: take one tablet by mouth. Refills. Dispense as written. Generic substitution allowed.\nPrescriber name, license, DEA, NPI. Pharmacy.",
		"INSULIN ADMINISTRATION RECORD\nBlood glucose. Time checked. Insulin type. Units given. Correction scale. Injection site. Nurse initials.",
		"CONTROLLED SUBSTANCE RECORD\nCount. Wasted. Witness. Dose removed from the automated cabinet. Returned. Discrepancy.",
	},
	chartscan.SectionNursing: {
		"VITAL SIGNS RECORD\nDate  Time  Temperature  Heart rate  Respiratory rate  Blood pressure  Oxygen saturation  O2 device  Pain score  Initials\nWeight. Height. Orthostatic vital signs. Blood glucose. Temperature route: oral, axillary, tympanic, temporal.",
		"INTAKE AND OUTPUT RECORD\nShift totals: day, evening, night. Twenty-four hour total.\nIntake: oral, IV fluids, IV piggyback, tube feeding, blood products.\nOutput: urine, voided, catheter, stool, emesis, drains, nasogastric. Balance.",
		"NURSING ASSESSMENT\nShift assessment. Neurological: alert, oriented to person, place and time. Pupils.\nCardiovascular: heart rhythm, pulses, capillary refill, edema. Respiratory: breath sounds, effort, cough.\nGastrointestinal: bowel sounds, last bowel movement. Genitourinary: voiding. Skin: color, temperature, integrity.\nIV site: location, gauge, appearance, patency, dressing. Safety: bed low and locked, side rails up, call light in reach.",
		"NURSING NOTES\nTime. Note. Received patient from. Patient resting in bed with eyes closed. Respirations even and unlabored.\nMedicated for pain per orders. Repositioned every two hours. Family at bedside. Report given to the oncoming nurse.\nRN signature.",
		"FALL RISK ASSESSMENT\nMorse fall scale: history of falling, secondary diagnosis, ambulatory aid, IV, gait, mental status. Total score.\nHigh risk interventions: bed alarm, non-skid socks, hourly rounding, yellow armband.",
		"BRADEN SCALE\nSensory perception. Moisture. Activity. Mobility. Nutrition. Friction and shear. Total score.\nPressure injury prevention: turning schedule, pressure redistribution mattress, heel protectors. Wound stage, size, drainage.",
		"NURSING CARE PLAN\nNursing diagnosis. Related to. As evidenced by. Goal. Interventions. Evaluation: goal met, partially met, not met.\nPatient and family education: topic, method, learner response, teach-back.",
		"SHIFT REPORT\nSituation. Background. Assessment. Recommendation. Handoff from nurse to nurse. Lines, drains, airways. Pending tasks.",
	},
	chartscan.SectionDischarge: {
		"DISCHARGE SUMMARY\nDATE OF ADMISSION:\nDATE OF DISCHARGE:\nADMITTING PHYSICIAN:\nPRINCIPAL DIAGNOSIS:\nSECONDARY DIAGNOSES:\nPROCEDURES PERFORMED:\nCONSULTANTS:\nHOSPITAL COURSE:\nCONDITION AT DISCHARGE:\nDISCHARGE DISPOSITION:\nDISCHARGE MEDICATIONS:\nDIET:\nACTIVITY:\nFOLLOW-UP APPOINTMENTS:\nPENDING RESULTS AT DISCHARGE:",
		"DISCHARGE NOTE\nLength of stay. Reason for hospitalization. Final diagnoses.\nBRIEF HOSPITAL COURSE:\nThe patient was admitted and treated. Symptoms resolved. Stable for discharge.\nDisposition: discharged home with family. Instructions reviewed with the patient, who verbalized understanding.",
		"HOSPITAL COURSE SUMMARY\nAdmission date. Discharge date. Attending of record.\nSummary of the hospital stay by problem. Significant findings. Procedures. Complications.\nCondition on discharge: improved, stable. Discharged to skilled nursing facility, rehabilitation, home health.",
		"TRANSFER/DISCHARGE SUMMARY\nTransferred to another facility. Reason for transfer. Accepting physician. Mode of transport.\nCourse in this hospital. Medications at transfer. Condition at transfer. Copies of records sent.",
		"DEATH SUMMARY\nDate and time of death. Pronounced by. Cause of death. Immediate cause. Contributing conditions.\nHospital course leading to death. Family notified. Autopsy requested, declined. Organ procurement notified.",
		"DISCHARGE INSTRUCTIONS\nYou were in the hospital for. Take your medicines as listed. Stop taking. New medicines.\nActivity: no heavy lifting, no driving while taking pain medicine. Diet. Wound care. Shower.\nCall your doctor or return if you have fever, bleeding, chest pain, shortness of breath.\nFollow-up appointment with your doctor in one week. Patient signature acknowledging instructions.",
	},
	chartscan.SectionEmergency: {
		"EMERGENCY DEPARTMENT NOTE\nTime seen. Arrival mode: ambulance, private vehicle, walk-in, police. Triage acuity ESI level.\nCHIEF COMPLAINT:\nHISTORY OF PRESENT ILLNESS:\nREVIEW OF SYSTEMS:\nPHYSICAL EXAM:\nED COURSE:\nMEDICAL DECISION MAKING:\nDifferential diagnosis considered. Labs and imaging reviewed. Reassessed; improved.\nCLINICAL IMPRESSION:\nDISPOSITION: discharged, admitted, transferred, left without being seen, left against medical advice.\nCondition at disposition. Emergency physician.",
		"ED PROVIDER NOTE\nPatient presents to the emergency department with. EMS report. Prehospital treatment.\nMDM: risk stratification. Critical care time. Procedures in the ED.\nFinal diagnosis. Discharge instructions given. Return precautions. Follow up with primary care.",
		"TRIAGE RECORD\nArrival time. Triage time. Triage nurse. Chief complaint in the patient's words.\nTriage vital signs. Pain scale. Acuity. Isolation screening. Weight. Allergies. Last tetanus.\nRoom assignment. Waiting room.",
		"EMERGENCY TREATMENT RECORD\nDate and time of arrival. Brought by. Accompanied by.\nPhysician history and examination. Treatment given in the emergency room. Response to treatment.\nTime of discharge or admission. Instructions to patient. Emergency physician signature.",
		"URGENT CARE VISIT\nWalk-in visit. Presenting problem. Onset. Urgent care provider. Point of care tests.\nDiagnosis. Treatment. Work or school note given. Follow up with primary care or go to the emergency department if worse.",
		"TRAUMA FLOW SHEET\nTrauma activation level. Primary survey: airway, breathing, circulation, disability, exposure. Glasgow coma scale.\nSecondary survey. FAST exam. Mechanism of injury. Trauma team arrival times.",
	},
	chartscan.SectionCorrespondence: {
		"LETTER\nDear Dr.\nThank you for referring your patient to me. I had the pleasure of seeing her in my office today.\nMy impression and recommendations are below. I will see the patient again and keep you informed.\nIf you have any questions, please do not hesitate to call me.\nSincerely,\ncc:",
		"REFERRAL LETTER\nDear Colleague,\nI would be grateful if you would see this patient, who has. I am referring for your opinion and management.\nRelevant history and current medications are enclosed. With kind regards, Yours sincerely,",
		"CORRESPONDENCE\nTo whom it may concern:\nThis letter confirms that the patient is under my care. Please excuse the patient from work from to.\nThe patient may return to work without restrictions. Feel free to contact my office. Respectfully,",
		"LETTER OF MEDICAL NECESSITY\nTo the medical director. I am writing on behalf of my patient to request coverage of.\nThe treatment is medically necessary because. Alternatives tried. Enclosed please find supporting records. Thank you for your consideration.",
		"PATIENT LETTER\nDear patient,\nWe are writing to let you know your test results. Your results were normal. Please call our office to schedule a follow-up visit.\nWarm regards, the care team.",
		"RECORDS REQUEST\nPlease send copies of the medical records listed below for continuity of care. Dates of service requested.\nSend records to the address below. Thank you.",
	},
	chartscan.SectionInsuranceBilling: {
		"EXPLANATION OF BENEFITS\nThis is not a bill. Member. Member number. Group. Claim number. Provider. Date received. Date processed.\nDates of service. Service description. Procedure code. Amount billed. Discount. Allowed amount. Not covered. Deductible. Copay. Coinsurance. Plan paid.\nWhat you owe the provider. Remark codes. How to appeal. Year to date deductible and out-of-pocket maximum.",
		"REMITTANCE ADVICE\nPayer. Payee. NPI. Check or EFT number. Payment date.\nPatient account number. Claim status: processed as primary, denied. Charge. Allowed. Paid. Adjustment reason code. Patient responsibility.",
		"PATIENT STATEMENT\nStatement date. Account number. Guarantor. Previous balance. New charges. Payments received. Insurance payments. Adjustments.\nAmount due. Due date. Please detach and return with your payment. Pay online. Financial assistance is available.",
		"ITEMIZED BILL\nDate of service. Revenue code. Charge code. Description. Quantity. Unit price. Total charges.\nRoom and board. Pharmacy. Laboratory. Radiology. Operating room. Supplies. Total.",
		"HEALTH INSURANCE CLAIM FORM\nInsured's ID number. Patient's relationship to insured. Insured's policy group. Other insured.\nDiagnosis or nature of illness, ICD indicator. Dates of service. Place of service. CPT/HCPCS. Modifier. Diagnosis pointer. Charges. Days or units.\nFederal tax ID number. Billing provider info. Signature of physician or supplier. UB-04 type of bill. Value codes. Occurrence codes.",
		"ELIGIBILITY VERIFICATION\nPayer. Plan name. Coverage status: active, inactive. Effective date. Termination date.\nDeductible met. Out-of-pocket remaining. Copay amounts. Referral required. Verified with representative, reference number.",
		"PRIOR AUTHORIZATION\nRequest for authorization. Requested service. Diagnosis codes. Procedure codes. Number of visits or days.\nDecision: approved, pended, denied. Authorization number. Valid from and to. Clinical information submitted. Reviewer.",
		"INSURANCE CARD\nFront and back copy of the card. Plan. Member name. Member ID. Group number. RxBIN. RxPCN. RxGrp.\nCopays: primary care, specialist, urgent care, emergency room. Claims address. Provider services phone.",
		"SUPERBILL\nEncounter form. New patient, established patient visit levels. Procedures performed in office. Diagnosis codes checked.\nFee. Payment received: cash, check, card. Copay collected. Balance.",
	},
	chartscan.SectionOther: {
		"FAX COVER SHEET\nTo: From: Date: Fax number: Phone number: Number of pages including cover: Re:\nUrgent. For review. Please reply. Please comment.\nThe documents accompanying this transmission contain confidential information. If you received this in error, notify the sender and destroy the documents.",
		"INTENTIONALLY LEFT BLANK",
		"ROUTING SLIP\nRoute to. Department. Action requested: file, review, sign, return. Received in medical records. Date stamp.",
		"CHART DIVIDER\nTab. Section index of the paper chart. Place documents behind this tab in date order.",
		"COPY OF IDENTIFICATION\nPhoto identification. Driver license. State ID. Passport. Copied by. Date copied.",
		"BELONGINGS INVENTORY\nPatient belongings and valuables list. Clothing, glasses, dentures, hearing aids, jewelry, wallet, phone. Sent home with family. Locked in safe.",
	},
}

// SeedWeight is how many documents each seed text counts as: enough for
// the titles and headings of forms to outweigh chance words of notes.
const SeedWeight = 25

// SeedDocuments returns the seed as training documents: every page of
// Seed, and every title of SeedTitles on its own (a page that is nothing
// but its title), upper-cased as forms print titles. A page's first line
// is its title even where a page-reading heuristic would take it for a
// facility line ("HOSPITAL COURSE SUMMARY").
func SeedDocuments() []Labeled {
	var out []Labeled
	for _, s := range chartscan.Sections {
		for _, t := range Seed[s] {
			title, _, _ := strings.Cut(t, "\n")
			out = append(out, Labeled{Section: s, Text: t, Title: title, Weight: SeedWeight})
		}
		for _, t := range SeedTitles[s] {
			t = strings.ToUpper(t)
			out = append(out, Labeled{Section: s, Text: t, Title: t, Weight: SeedWeight})
		}
	}
	return out
}
