// The shapes of meta.k8s.io/v1 Table columns and of one resource's printer.

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TablePrinter {
  columns: TableColumnDefinition[];
  /** Every column's cell, wide ones included: the server always prints wide and kubectl hides priority > 0. */
  cells(obj: any, now: Date): unknown[];
  /** Row conditions, where upstream sets them (pods that have completed). */
  conditions?(obj: any): TableRowCondition[] | undefined;
}
