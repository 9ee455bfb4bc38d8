export interface ConvertGeneratorSchema {
  name: string;
  repository?: string;
}
