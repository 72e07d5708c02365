import { Gender, IdType, KycStatus } from '../../modules/customer/customer.enums';
import { isValidResidentIdNumber } from '../../seed/id-number';
import { date, email, identifier, oneOf, phone, text } from '../fields';
import { KindSpec, mustExist, optional, repeatedInLoad, required } from '../kind';

const OTHER_ID_NUMBER = /^[A-Za-z0-9]{5,20}$/;

/**
 * Customers by customer number, with their home branch (by code) and
 * relationship manager (by employee number). Derived columns (AUM, tier,
 * lifecycle, churn signals) are not loaded: the refresh computes them.
 */
export const customers: KindSpec = {
  name: 'customers',
  columns: [
    required('customer_no', 'text', identifier(32)),
    required('name', 'text', text(50)),
    required('gender', 'text', oneOf(Gender)),
    required('birth_date', 'date', date),
    required('id_type', 'text', oneOf(IdType)),
    required('id_number', 'text', text(32)),
    required('phone', 'text', phone),
    optional('email', 'text', email),
    required('address_province', 'text', text(20)),
    required('address_city', 'text', text(20)),
    required('address_district', 'text', text(20)),
    required('address_street', 'text', text(100)),
    required('city', 'text', text(20)),
    required('branch_code', 'text', identifier(32)),
    optional('relationship_manager_employee_no', 'text', identifier(32)),
    required('kyc_status', 'text', oneOf(KycStatus)),
    required('onboarded_on', 'date', date),
  ],
  naturalKey: ['customer_no'],
  encrypted: 'customer',
  rowRules: [
    (row) => {
      const id = row.id_number as string;
      const valid = row.id_type === IdType.RESIDENT_ID ? isValidResidentIdNumber(id) : OTHER_ID_NUMBER.test(id);
      return valid
        ? undefined
        : [
            'id_number',
            row.id_type === IdType.RESIDENT_ID
              ? 'must be an 18-character resident ID number with a valid check character'
              : 'must be 5 to 20 letters or digits',
          ];
    },
    (row) =>
      (row.birth_date as string) > (row.onboarded_on as string)
        ? ['birth_date', 'must not be after onboarded_on']
        : undefined,
  ],
  checks: [
    {
      // PIPL Art. 47: an erased customer stays erased; the source system has to erase them too.
      reason: 'customer_no: this customer was erased; erase it in the source system too',
      where: `EXISTS (SELECT 1 FROM customer_erasure e WHERE e.customer_no = s.customer_no)`,
    },
    mustExist('branch_code', 'branch', 'code', 'no branch has this code'),
    mustExist('relationship_manager_employee_no', 'staff', 'employee_no', 'no staff member has this employee number'),
    // ID numbers are compared by blind index: staged and stored encrypted, never in plaintext.
    repeatedInLoad('id_type, id_number_bidx', 'id_number: an earlier row of this load has it for another customer_no'),
    {
      reason: 'id_number: already belongs to another customer_no',
      where: `EXISTS (SELECT 1 FROM customer o WHERE o.id_type = s.id_type AND o.id_number_bidx = s.id_number_bidx
                      AND o.customer_no <> s.customer_no)`,
    },
  ],
  upsert: {
    table: 'customer',
    conflict: '(customer_no)',
    joins: `JOIN branch b ON b.code = s.branch_code
            LEFT JOIN staff rm ON rm.employee_no = s.relationship_manager_employee_no`,
    current: 'cur.customer_no = s.customer_no',
    values: {
      customer_no: 's.customer_no',
      name: 's.name',
      gender: 's.gender',
      birth_date: 's.birth_date',
      id_type: 's.id_type',
      id_number: 's.id_number',
      id_number_bidx: 's.id_number_bidx',
      phone: 's.phone',
      email: 's.email',
      address_province: 's.address_province',
      address_city: 's.address_city',
      address_district: 's.address_district',
      address_street: 's.address_street',
      city: 's.city',
      branch_id: 'b.id',
      relationship_manager_id: 'rm.id',
      kyc_status: 's.kyc_status',
      onboarded_on: 's.onboarded_on',
      pii_digest: 's.pii_digest',
    },
    key: ['customer_no'],
    comparedByDigest: ['id_number', 'phone', 'email', 'address_street'],
    returning: 'id AS customer_id',
    customersOf: 'SELECT customer_id FROM written',
  },
};
