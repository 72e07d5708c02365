import { registerEnumType } from 'type-graphql';

export enum TagCategory {
  BASIC = 'BASIC',
  VALUE = 'VALUE',
  BEHAVIOR = 'BEHAVIOR',
  PREFERENCE = 'PREFERENCE',
}
export enum TagSource {
  RULE = 'RULE',
  MANUAL = 'MANUAL',
  MODEL = 'MODEL',
}

registerEnumType(TagCategory, { name: 'TagCategory' });
registerEnumType(TagSource, {
  name: 'TagSource',
  description: 'Who assigned a tag: a segmentation rule, a person, or a model.',
});
